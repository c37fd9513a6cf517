using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Timely.Testing;

namespace Timely.Api.Tests;

/// <summary>
/// Every <c>```csharp</c> block of README.md, of every README.md under engine/, transport-*/ and
/// bench/, and of every document in docs/ compiles, as shown, as a top-level program against the built Timely.* assemblies
/// (with the implicit usings of <c>dotnet new console</c>, and the codec generator the packages
/// bring). A block that is deliberately a
/// fragment says so in its info string (<c>```csharp fragment</c>) and is not compiled.
/// </summary>
public sealed class ReadmeSnippetTests
{
    // What a .NET SDK console project with ImplicitUsings (the default of `dotnet new console`) adds.
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, line, _, _) in Blocks())
        {
            data.Add(file, line);
        }

        return data;
    }

    [Fact]
    public void The_readmes_hold_snippets_to_compile()
    {
        var blocks = Blocks().ToList();
        Assert.Contains(blocks, b => !b.Fragment && b.File == "README.md");
        Assert.Contains(blocks, b => !b.Fragment && b.File == "engine/Timely.Dataflow/README.md");
        Assert.Contains(blocks, b => !b.Fragment && b.File == "docs/capture.md");
        Assert.Contains(blocks, b => !b.Fragment && b.File == "docs/dataflow.md");
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_compiles_as_a_top_level_program(string file, int line)
    {
        var (_, _, code, fragment) = Blocks().Single(b => b.File == file && b.Line == line);
        if (fragment)
        {
            return;   // marked `csharp fragment` in the README: not a program
        }

        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, Parse), CSharpSyntaxTree.ParseText(code, Parse, path: $"{file}:{line}")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        // With the codec generator, as the packages bring it: a snippet's records must not need a
        // codec it cannot write (its errors and warnings count).
        CSharpGeneratorDriver.Create(new Timely.Bytes.Generator.WireCodecGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
        var errors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)
            .Concat(generatorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)).ToList();
        Assert.True(errors.Count == 0, $"{file}:{line}: the ```csharp block starting here does not compile:\n{string.Join('\n', errors)}\n--- snippet ---\n{code}");
    }

    /// <summary>The platform assemblies and everything in this test's output (Timely.* included).</summary>
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.Length > 0)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    private static string RepoRoot => Repository.Root;

    /// <summary>Every ```csharp block: its README (relative to the root, '/' separated), the line of its opening fence, its code, whether it is marked a fragment.</summary>
    private static IEnumerable<(string File, int Line, string Code, bool Fragment)> Blocks()
    {
        foreach (string path in Readmes())
        {
            string relative = Path.GetRelativePath(RepoRoot, path).Replace('\\', '/');
            string[] lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                string fence = lines[i].Trim();
                if (!fence.StartsWith("```csharp", StringComparison.Ordinal))
                {
                    continue;
                }

                bool fragment = fence["```csharp".Length..].Trim() == "fragment";
                int start = i;
                var code = new StringBuilder();
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                {
                    code.AppendLine(lines[i]);
                }

                yield return (relative, start + 1, code.ToString(), fragment);
            }
        }
    }

    private static IEnumerable<string> Readmes()
    {
        yield return Path.Combine(RepoRoot, "README.md");
        foreach (string doc in Directory.EnumerateFiles(Path.Combine(RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return doc;
        }

        var roots = Directory.GetDirectories(RepoRoot, "transport-*").Append(Path.Combine(RepoRoot, "engine")).Append(Path.Combine(RepoRoot, "bench")).Append(Path.Combine(RepoRoot, "samples"));
        foreach (string root in roots.Where(Directory.Exists))
        {
            foreach (string readme in Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string rel = Path.GetRelativePath(RepoRoot, readme).Replace('\\', '/');
                if (!rel.Contains("/bin/", StringComparison.Ordinal) && !rel.Contains("/obj/", StringComparison.Ordinal))
                {
                    yield return readme;
                }
            }
        }
    }
}
