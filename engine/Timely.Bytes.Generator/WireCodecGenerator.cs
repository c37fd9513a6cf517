using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Timely.Bytes.Generator;

/// <summary>
/// The codec generator: finds every type that crosses a worker boundary (the type arguments of
/// parameters marked <c>[WireEncoded]</c> at their call sites, and types marked
/// <c>[GenerateWireCodec]</c>), writes the codec of each record, class and struct among them
/// (bincode's layout: fields in declaration order), prepares the built-in codecs of the tuples,
/// lists, arrays and nullables among them, and registers it all from a module initializer. A
/// type that cannot be encoded is a compile-time diagnostic at its member or call.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class WireCodecGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var optIns = context.SyntaxProvider.ForAttributeWithMetadataName(
                CallSites.GenerateAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (c, _) => ((INamedTypeSymbol)c.TargetSymbol, ((TypeDeclarationSyntax)c.TargetNode).Identifier.GetLocation()))
            .Collect();
        var sites = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => CallSites.IsCandidate(node),
                static (c, cancel) => CallSites.Find(c.Node, c.SemanticModel, cancel))
            .Where(static s => s is not null)
            .Collect();
        var input = optIns.Combine(sites).Combine(context.CompilationProvider);
        context.RegisterSourceOutput(input, static (output, input) =>
        {
            var ((types, found), compilation) = input;
            if (compilation.GetTypeByMetadataName("Timely.Bytes.WireCodec") is null)
            {
                return;   // the package is not referenced: nothing can be registered
            }

            var planner = new CodecPlanner(compilation);
            planner.Run(types, found.Select(s => s!).ToList());
            foreach (var diagnostic in planner.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic);
            }

            if (CodecEmitter.Emit(planner) is { } source)
            {
                output.AddSource("TimelyWireCodecs.g.cs", source);
            }
        });
    }
}
