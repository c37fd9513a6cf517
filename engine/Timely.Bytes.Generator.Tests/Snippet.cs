using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Timely.Bytes.Generator.Tests;

/// <summary>
/// One C# snippet compiled as a library with the codec generator: what it generated, what it
/// reported, and the compiled assembly (loaded on demand, so its module initializer registers its
/// codecs in this process).
/// </summary>
internal sealed class Snippet
{
    private const string Usings = """
        global using System;
        global using System.Collections.Generic;
        global using Timely.Bytes;
        global using Timely.Communication;
        global using Timely.Dataflow;
        global using Timely.Dataflow.Capture;
        global using Timely.Dataflow.Channels;
        global using Timely.Dataflow.Operators;

        """;

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("Timely.Bytes.Generator", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    private static int _count;

    private readonly Compilation _output;
    private Assembly? _assembly;

    private Snippet(Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, string? generated)
    {
        _output = output;
        Diagnostics = generatorDiagnostics;
        Generated = generated;
    }

    /// <summary>What the generator reported.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; }

    /// <summary>The generated file, or null when the generator wrote none.</summary>
    public string? Generated { get; }

    /// <summary>The generated file, which must exist.</summary>
    public string Code => Generated ?? throw new InvalidOperationException("the generator wrote no file");

    /// <summary>Errors of the compilation with the generated file in it.</summary>
    public ImmutableArray<Diagnostic> CompileErrors => [.. _output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

    public static Snippet Compile(string source)
    {
        string name = "Snippet" + Interlocked.Increment(ref _count);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(Usings, parse, path: "Usings.cs"), CSharpSyntaxTree.ParseText(source, parse, path: "Snippet.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        CSharpGeneratorDriver.Create(new WireCodecGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        string? generated = output.SyntaxTrees.FirstOrDefault(t => t.FilePath.EndsWith("TimelyWireCodecs.g.cs", StringComparison.Ordinal))?.ToString();
        return new Snippet(output, diagnostics, generated);
    }

    /// <summary>The diagnostics of one id, as "line: message" (1-based lines of the snippet).</summary>
    public string[] Reported(string id) =>
        [.. Diagnostics.Where(d => d.Id == id).Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];

    /// <summary>Emits and loads the assembly (once), running its module initializer.</summary>
    public Assembly Load()
    {
        if (_assembly is null)
        {
            Assert.Empty(CompileErrors);
            using var image = new MemoryStream();
            var result = _output.Emit(image);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            _assembly = Assembly.Load(image.ToArray());
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(_assembly.ManifestModule.ModuleHandle);
        }

        return _assembly;
    }

    /// <summary>Calls a public static method of a type of the snippet.</summary>
    public object? Call(string type, string method, params object?[] arguments) =>
        Load().GetType(type, throwOnError: true)!.GetMethod(method)!.Invoke(null, arguments);
}
