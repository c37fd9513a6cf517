using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Timely.Bytes.Generator;

/// <summary>Finds, at one invocation or object creation, the type arguments it encodes.</summary>
internal static class CallSites
{
    public const string EncodedAttribute = "Timely.Bytes.WireEncodedAttribute";
    public const string GenerateAttribute = "Timely.Bytes.GenerateWireCodecAttribute";

    /// <summary>Only calls and object creations can give a crossing API its type arguments.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax;

    public static CallSite? Find(SyntaxNode node, SemanticModel model, CancellationToken cancel)
    {
        if (model.GetSymbolInfo(node, cancel).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        if (method.Name == "Register" && method.TypeArguments.Length == 1 &&
            method.ContainingType is { Name: "WireCodec", Arity: 0 } wireCodec &&
            wireCodec.ContainingNamespace?.ToDisplayString() == "Timely.Bytes")
        {
            return new CallSite("WireCodec.Register", node.GetLocation()) { HandWritten = method.TypeArguments[0] };
        }

        var arguments = ImmutableDictionary.CreateBuilder<ITypeParameterSymbol, ITypeSymbol>(SymbolEqualityComparer.Default);
        var encoded = ImmutableArray.CreateBuilder<ITypeSymbol>();
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        foreach (var parameter in definition.TypeParameters)
        {
            if (ArgumentOf(method, parameter) is { } argument)
            {
                arguments[parameter] = argument;
                if (IsMarkedInChain(definition, parameter.Ordinal))
                {
                    encoded.Add(argument);
                }
            }
        }

        // A type's marks cover its constructors and static methods: an instance method works on a
        // value whose construction was the call that counted.
        if ((method.MethodKind == MethodKind.Constructor || (method.IsStatic && method.MethodKind == MethodKind.Ordinary)) &&
            method.ContainingType is { IsGenericType: true } type && !method.IsExtensionMethod)
        {
            var parameters = type.OriginalDefinition.TypeParameters;
            for (int i = 0; i < parameters.Length; i++)
            {
                arguments[parameters[i]] = type.TypeArguments[i];
                if (IsMarked(parameters[i]))
                {
                    encoded.Add(type.TypeArguments[i]);
                }
            }
        }

        if (encoded.Count == 0)
        {
            return null;
        }

        return new CallSite(definition.ContainingType?.Name + "." + definition.Name, node.GetLocation())
        {
            Encoded = encoded.ToImmutable(),
            Callee = definition,
            Arguments = arguments.ToImmutable(),
            Enclosing = EnclosingMethod(model.GetEnclosingSymbol(node.SpanStart, cancel)),
        };
    }

    public static bool IsMarked(ITypeParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == EncodedAttribute)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first method definition that is not a lambda or local function, around a symbol.</summary>
    public static IMethodSymbol? EnclosingMethod(ISymbol? symbol)
    {
        for (var s = symbol; s is not null; s = s.ContainingSymbol)
        {
            if (s is IMethodSymbol { MethodKind: not (MethodKind.AnonymousFunction or MethodKind.LocalFunction) } m)
            {
                return m.OriginalDefinition;
            }
        }

        return null;
    }

    // Attributes on type parameters are not inherited, and a call through a derived type binds to
    // the override: look at the methods it overrides too.
    private static bool IsMarkedInChain(IMethodSymbol definition, int ordinal)
    {
        for (var m = definition; m is not null; m = m.OverriddenMethod?.OriginalDefinition)
        {
            if (ordinal < m.TypeParameters.Length && IsMarked(m.TypeParameters[ordinal]))
            {
                return true;
            }
        }

        return false;
    }

    // The argument a call gives a type parameter of the method's definition: directly, or for an
    // extension method called on its receiver, as inferred when the call was reduced.
    private static ITypeSymbol? ArgumentOf(IMethodSymbol method, ITypeParameterSymbol parameter)
    {
        if (method.ReducedFrom is null)
        {
            return parameter.Ordinal < method.TypeArguments.Length ? method.TypeArguments[parameter.Ordinal] : null;
        }

        if (method.GetTypeInferredDuringReduction(parameter) is { } inferred)
        {
            return inferred;
        }

        for (int i = 0; i < method.TypeParameters.Length; i++)
        {
            if (SymbolEqualityComparer.Default.Equals(method.TypeParameters[i].ReducedFrom, parameter) && i < method.TypeArguments.Length)
            {
                return method.TypeArguments[i];
            }
        }

        return null;
    }
}
