using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator;

/// <summary>
/// A call found in the source that matters to the generator: either a call of an API that
/// encodes its type arguments (<see cref="Encoded"/>: the arguments of its marked type
/// parameters), or a hand registration, <c>WireCodec.Register&lt;T&gt;</c> (<see cref="HandWritten"/>).
/// </summary>
internal sealed class CallSite
{
    public CallSite(string api, Location location)
    {
        Api = api;
        Location = location;
    }

    /// <summary>The called API as the diagnostics name it, e.g. <c>StreamOperators.Exchange</c>.</summary>
    public string Api { get; }

    /// <summary>The call in the source.</summary>
    public Location Location { get; }

    /// <summary>The type arguments the call encodes (they may name type parameters of <see cref="Enclosing"/>).</summary>
    public ImmutableArray<ITypeSymbol> Encoded { get; set; } = ImmutableArray<ITypeSymbol>.Empty;

    /// <summary>The type a hand-written codec is registered for, or null.</summary>
    public ITypeSymbol? HandWritten { get; set; }

    /// <summary>The called method's definition.</summary>
    public IMethodSymbol? Callee { get; set; }

    /// <summary>Each type parameter of the callee (its own and its type's) with the argument this call gives it.</summary>
    public ImmutableDictionary<ITypeParameterSymbol, ITypeSymbol> Arguments { get; set; } =
        ImmutableDictionary.Create<ITypeParameterSymbol, ITypeSymbol>(SymbolEqualityComparer.Default);

    /// <summary>The method (definition) the call is written in, lambdas and local functions looked through.</summary>
    public IMethodSymbol? Enclosing { get; set; }
}
