using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator;

/// <summary>What the codec generator reports: each names the type, the member or call and the way out.</summary>
internal static class WireDiagnostics
{
    private const string Category = "Timely.WireCodec";

    /// <summary>A type that no bincode layout can say: a delegate, a pointer, object, an interface, an abstract class, a ref struct.</summary>
    public static readonly DiagnosticDescriptor NotEncodable = new(
        "TIMELY001",
        "Type cannot be encoded",
        "{0} cannot be encoded for workers or files: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Values that cross a worker boundary are written in bincode's layout, which has no way to say a delegate, a pointer, an object of unknown type or an interface. Change the member's type, or give the type a hand-written codec with WireCodec.Register.");

    /// <summary>A type that contains itself through members that are never null and never empty.</summary>
    public static readonly DiagnosticDescriptor Cycle = new(
        "TIMELY002",
        "Type contains itself with no end",
        "{0} contains itself through {1} with no nullable or collection member on the way, so no value of it has an end in bincode's layout; declare one of those members nullable ({2}?, written as an Option)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>A member the generated reader cannot set back.</summary>
    public static readonly DiagnosticDescriptor NotSettable = new(
        "TIMELY003",
        "Member cannot be set when read",
        "{0}.{1} is written but cannot be set when read: no accessible constructor has a parameter named {1} of its type, and it has no accessible setter or init accessor",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>A member or type the generated code, which lives outside the type, cannot reach.</summary>
    public static readonly DiagnosticDescriptor Inaccessible = new(
        "TIMELY004",
        "State the generated codec cannot reach",
        "{0} is {1}, and the generated codec writes every field of {2} from outside it; make it internal or public, or give {2} a hand-written codec with WireCodec.Register",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>A type from another assembly with no codec the generator can see.</summary>
    public static readonly DiagnosticDescriptor NoKnownCodec = new(
        "TIMELY005",
        "No codec known for a type of another assembly",
        "{0} (from {1}) crosses a worker boundary but has no codec known at compile time; mark it [GenerateWireCodec] in its own project, or call WireCodec.Register<{0}>(codec) before first use",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    /// <summary>A type parameter reaches a crossing API from a method that does not pass the mark on.</summary>
    public static readonly DiagnosticDescriptor UnmarkedTypeParameter = new(
        "TIMELY006",
        "Type parameter crosses workers unmarked",
        "{0} reaches {1}, which encodes it, but {0} is not marked [WireEncoded]: mark it so that its callers' type arguments get their codecs",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    /// <summary>A class the generated reader cannot create.</summary>
    public static readonly DiagnosticDescriptor NoConstructor = new(
        "TIMELY007",
        "No constructor to read with",
        "{0} has no accessible constructor the generated reader can call: give it one whose parameters are named and typed as its members (a record's primary constructor is one), or a parameterless one",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
