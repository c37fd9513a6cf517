using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator;

/// <summary>
/// Decides, for every type that crosses (found at call sites or opted in), how it is encoded:
/// a built-in codec (prepared ahead for the composites), a generated codec (records, classes and
/// structs of this compilation, tuples of 5-7), a codec its own assembly registers, or a
/// diagnostic. Runs once per compilation on the collected sites.
/// </summary>
internal sealed class CodecPlanner
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions & ~SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private readonly Compilation _compilation;
    private readonly HashSet<ITypeSymbol> _handWritten = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ITypeSymbol> _visited = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, CodecPlan> _plans = new(SymbolEqualityComparer.Default);
    private readonly SortedSet<string> _prepares = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _modules = new(StringComparer.Ordinal);
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private int _errors;
    private int _quiet;

    public CodecPlanner(Compilation compilation) => _compilation = compilation;

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    /// <summary>Prepare calls for built-in composites, e.g. <c>PrepareTuple&lt;string, long&gt;</c>.</summary>
    public IEnumerable<string> Prepares => _prepares;

    /// <summary>Types whose module initializer must run first: their assembly registers their codecs.</summary>
    public IEnumerable<string> Modules => _modules;

    public IEnumerable<CodecPlan> Plans => _plans.Values.Where(p => p.IsValid).OrderBy(p => p.CodecName, StringComparer.Ordinal);

    public static string Name(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    public void Run(IEnumerable<(INamedTypeSymbol Type, Location Location)> optIns, IReadOnlyList<CallSite> sites)
    {
        foreach (var site in sites)
        {
            if (site.HandWritten is { } hand)
            {
                _handWritten.Add(hand);
            }
        }

        foreach (var (type, location) in optIns)
        {
            if (type.IsGenericType)
            {
                PlanFor(type, location);   // checked and written; registered where closed
            }
            else
            {
                Visit(type, location, null);
            }
        }

        foreach (var (type, site) in CrossingTypes(sites))
        {
            Visit(type, site.Location, site);
        }

        CheckCycles();
    }

    // Every encoded type at every site, with the templates of generic methods (types naming their
    // marked type parameters) carried to the methods' callers, until nothing new appears.
    private List<(ITypeSymbol, CallSite)> CrossingTypes(IReadOnlyList<CallSite> sites)
    {
        var encoded = sites.Where(s => s.HandWritten is null)
            .ToDictionary(s => s, s => new List<ITypeSymbol>(s.Encoded));
        for (int round = 0; round < 8; round++)
        {
            var templates = new Dictionary<IMethodSymbol, List<ITypeSymbol>>(SymbolEqualityComparer.Default);
            foreach (var pair in encoded)
            {
                if (pair.Key.Enclosing is { } enclosing)
                {
                    foreach (var type in pair.Value.Where(HasTypeParameter))
                    {
                        if (!templates.TryGetValue(enclosing, out var list))
                        {
                            templates[enclosing] = list = [];
                        }

                        list.Add(type);
                    }
                }
            }

            bool changed = false;
            foreach (var pair in encoded)
            {
                if (pair.Key.Callee is { } callee && templates.TryGetValue(callee, out var list))
                {
                    foreach (var template in list)
                    {
                        var closed = Substitute(template, pair.Key.Arguments);
                        if (closed is not null && !pair.Value.Contains(closed, SymbolEqualityComparer.Default))
                        {
                            pair.Value.Add(closed);
                            changed = true;
                        }
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return encoded.SelectMany(p => p.Value.Select(t => (t, p.Key))).ToList();
    }

    private void Visit(ITypeSymbol type, Location? location, CallSite? site)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            if (!CallSites.IsMarked(parameter) && site is not null)
            {
                Report(WireDiagnostics.UnmarkedTypeParameter, location, parameter.Name, site.Api);
            }

            return;
        }

        if (HasTypeParameter(type))
        {
            // A template: its closed forms come from the callers. Check its type parameters are marked.
            foreach (var p in TypeParameters(type))
            {
                Visit(p, location, site);
            }

            VisitParts(type, location, site);
            return;
        }

        if (!_visited.Add(type))
        {
            return;
        }

        if (_handWritten.Contains(type))
        {
            // A codec registered by hand takes the place of a generated one at run time; the
            // generated one is still written where it can be (a registration may be conditional),
            // and nothing is reported: the hand-written codec may encode anything.
            _quiet++;
            VisitType(type, location, site);
            _quiet--;
            return;
        }

        VisitType(type, location, site);
    }

    private void VisitType(ITypeSymbol type, Location? location, CallSite? site)
    {
        if (Refusal(type) is { } why)
        {
            Report(WireDiagnostics.NotEncodable, location, Name(type), why);
            return;
        }

        if (IsScalar(type) || type.SpecialType == SpecialType.System_String)
        {
            return;
        }

        if (type is IArrayTypeSymbol array)
        {
            _prepares.Add($"PrepareArray<{Name(array.ElementType)}>");
            Visit(array.ElementType, location, site);
            return;
        }

        var named = (INamedTypeSymbol)type;
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            _prepares.Add($"PrepareNullable<{Name(named.TypeArguments[0])}>");
            Visit(named.TypeArguments[0], location, site);
            return;
        }

        if (IsList(named))
        {
            _prepares.Add($"PrepareList<{Name(named.TypeArguments[0])}>");
            Visit(named.TypeArguments[0], location, site);
            return;
        }

        if (named.IsTupleType && named.TupleElements.Length <= 4)
        {
            _prepares.Add($"PrepareTuple<{string.Join(", ", named.TupleElements.Select(e => Name(e.Type)))}>");
            foreach (var element in named.TupleElements)
            {
                Visit(element.Type, location, site);
            }

            return;
        }

        if (named.IsTupleType || SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, _compilation.Assembly))
        {
            var plan = PlanFor(named.OriginalDefinition, location);
            if (plan is not null)
            {
                var closed = named.TupleUnderlyingType ?? named;
                if (!plan.Registrations.Contains(closed, SymbolEqualityComparer.Default))
                {
                    plan.Registrations.Add(closed);
                }

                if (plan.IsValid)
                {
                    int errors = _errors;
                    foreach (var (memberType, memberLocation) in ClosedMemberTypes(closed, plan))
                    {
                        Visit(memberType, memberLocation ?? location, null);
                    }

                    // A member that cannot be encoded leaves no codec of its owner.
                    plan.IsValid = _errors == errors;
                }
            }

            return;
        }

        if (HasAttribute(named.OriginalDefinition, CallSites.GenerateAttribute))
        {
            _modules.Add(Name(named));
            return;
        }

        if (IsEngineCodec(named))
        {
            // The engine registers its codec (Rust timely's layout) before the type can cross;
            // what it holds of the caller's types still needs theirs.
            foreach (var argument in named.TypeArguments)
            {
                Visit(argument, location, site);
            }

            return;
        }

        if (!named.IsUnmanagedType)
        {
            Report(WireDiagnostics.NoKnownCodec, location, Name(named), named.ContainingAssembly?.Name ?? "another assembly");
        }
    }

    private void VisitParts(ITypeSymbol type, Location? location, CallSite? site)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                Visit(array.ElementType, location, site);
                break;
            case INamedTypeSymbol named:
                foreach (var argument in named.TypeArguments)
                {
                    Visit(argument, location, site);
                }

                break;
        }
    }

    private CodecPlan? PlanFor(INamedTypeSymbol definition, Location? location)
    {
        if (_plans.TryGetValue(definition, out var existing))
        {
            return existing;
        }

        var plan = new CodecPlan(definition, "WireCodec" + _plans.Count + "_" + definition.Name);
        _plans[definition] = plan;
        if (Refusal(definition) is { } why)
        {
            Report(WireDiagnostics.NotEncodable, location, Name(definition), why);
            plan.IsValid = false;
            return plan;
        }

        for (var t = definition; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                Report(WireDiagnostics.Inaccessible, t.Locations.FirstOrDefault() ?? location, $"type {t.Name}", Word(t.DeclaredAccessibility), definition.Name);
                plan.IsValid = false;
                return plan;
            }
        }

        CollectMembers(plan, location);
        if (plan.IsValid)
        {
            ChooseConstruction(plan, location);
        }

        return plan;
    }

    private void CollectMembers(CodecPlan plan, Location? location)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var t = plan.Definition; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            chain.Insert(0, t);
        }

        foreach (var type in chain)
        {
            var members = new List<(CodecMember Member, ISymbol Symbol, Accessibility Access)>();
            foreach (var symbol in type.GetMembers())
            {
                if (symbol is not IFieldSymbol { IsStatic: false, IsConst: false } field)
                {
                    continue;
                }

                if (field.AssociatedSymbol is IPropertySymbol property)
                {
                    var access = property.GetMethod?.DeclaredAccessibility ?? Accessibility.Private;
                    members.Add((new CodecMember(property.Name, property.Type, IsOption(property.Type), property.Locations.FirstOrDefault()), property, access));
                }
                else if (field.AssociatedSymbol is null && (!field.IsImplicitlyDeclared || type.IsTupleType || field.ContainingType.IsTupleType))
                {
                    members.Add((new CodecMember(field.Name, field.Type, IsOption(field.Type), field.Locations.FirstOrDefault()), field, field.DeclaredAccessibility));
                }
            }

            foreach (var (member, symbol, access) in members.OrderBy(m => Order(m.Symbol)))
            {
                if (access is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                {
                    Report(WireDiagnostics.Inaccessible, member.Location ?? location, $"{type.Name}.{member.Name}", Word(access), plan.Definition.Name);
                    plan.IsValid = false;
                    continue;
                }

                plan.Members.Add(member);
            }
        }
    }

    // Declaration order: syntax tree order, then position; metadata members keep their order.
    private (int, int) Order(ISymbol symbol)
    {
        var location = symbol.Locations.FirstOrDefault(l => l.IsInSource);
        if (location is null)
        {
            return (int.MaxValue, 0);
        }

        int tree = 0;
        foreach (var t in _compilation.SyntaxTrees)
        {
            if (t == location.SourceTree)
            {
                break;
            }

            tree++;
        }

        return (tree, location.SourceSpan.Start);
    }

    private void ChooseConstruction(CodecPlan plan, Location? location)
    {
        var definition = plan.Definition;
        IMethodSymbol? best = null;
        List<CodecMember>? bestArguments = null;
        foreach (var constructor in definition.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                continue;
            }

            var arguments = new List<CodecMember>();
            foreach (var parameter in constructor.Parameters)
            {
                var match = plan.Members.FirstOrDefault(m =>
                    string.Equals(m.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) &&
                    SymbolEqualityComparer.Default.Equals(m.Type, parameter.Type) && !arguments.Contains(m));
                if (match is null)
                {
                    arguments = null;
                    break;
                }

                arguments.Add(match);
            }

            if (arguments is not null && (best is null || arguments.Count > bestArguments!.Count))
            {
                best = constructor;
                bestArguments = arguments;
            }
        }

        if (best is null && !definition.IsValueType)
        {
            Report(WireDiagnostics.NoConstructor, definition.Locations.FirstOrDefault() ?? location, definition.Name);
            plan.IsValid = false;
            return;
        }

        if (bestArguments is not null)
        {
            for (int i = 0; i < bestArguments.Count; i++)
            {
                bestArguments[i].ConstructorPosition = i;
                plan.ConstructorArguments.Add(bestArguments[i]);
            }
        }

        foreach (var member in plan.Members.Where(m => m.ConstructorPosition < 0))
        {
            if (!IsSettable(definition, member.Name))
            {
                Report(WireDiagnostics.NotSettable, member.Location ?? location, definition.Name, member.Name);
                plan.IsValid = false;
            }
        }
    }

    private static bool IsSettable(INamedTypeSymbol definition, string name)
    {
        for (var t = definition; t is not null; t = t.BaseType)
        {
            foreach (var symbol in t.GetMembers(name))
            {
                switch (symbol)
                {
                    case IFieldSymbol field:
                        return !field.IsReadOnly;
                    case IPropertySymbol property:
                        return property.SetMethod is { DeclaredAccessibility: Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal };
                }
            }
        }

        return false;
    }

    // The members' types in a closed type (a generic definition's members, substituted).
    private static IEnumerable<(ITypeSymbol, Location?)> ClosedMemberTypes(INamedTypeSymbol closed, CodecPlan plan)
    {
        foreach (var member in plan.Members)
        {
            ITypeSymbol? type = null;
            for (var t = closed; t is not null && type is null; t = t.BaseType)
            {
                foreach (var symbol in t.GetMembers(member.Name))
                {
                    type = symbol switch
                    {
                        IFieldSymbol f => f.Type,
                        IPropertySymbol p => p.Type,
                        _ => type,
                    };
                }
            }

            yield return (type ?? member.Type, member.Location);
        }
    }

    // A type of which the generated codec itself is recursive without end: a member path back to
    // the same type on which every member is written whenever its owner is (no Option, no
    // collection that may be empty).
    private void CheckCycles()
    {
        var state = new Dictionary<INamedTypeSymbol, int>(SymbolEqualityComparer.Default);
        foreach (var plan in _plans.Values.Where(p => p.IsValid).ToList())
        {
            var path = new List<(INamedTypeSymbol, CodecMember)>();
            Walk(plan.Definition, state, path);
        }
    }

    private bool Walk(INamedTypeSymbol type, Dictionary<INamedTypeSymbol, int> state, List<(INamedTypeSymbol Owner, CodecMember Member)> path)
    {
        if (state.TryGetValue(type, out int s))
        {
            if (s == 1)
            {
                var cycle = path.SkipWhile(p => !SymbolEqualityComparer.Default.Equals(p.Owner, type)).ToList();
                var last = cycle[cycle.Count - 1];
                string through = string.Join(" -> ", cycle.Select(p => p.Owner.Name + "." + p.Member.Name));
                Report(WireDiagnostics.Cycle, last.Member.Location, type.Name, through, Name(last.Member.Type));
                _plans[type].IsValid = false;
                return true;
            }

            return false;
        }

        state[type] = 1;
        if (_plans.TryGetValue(type, out var plan))
        {
            foreach (var member in plan.Members)
            {
                foreach (var target in StrongTargets(member.Type, member.IsOption))
                {
                    path.Add((type, member));
                    bool found = Walk(target, state, path);
                    path.RemoveAt(path.Count - 1);
                    if (found)
                    {
                        state[type] = 2;
                        return false;   // one report per cycle
                    }
                }
            }
        }

        state[type] = 2;
        return false;
    }

    private IEnumerable<INamedTypeSymbol> StrongTargets(ITypeSymbol type, bool isOption)
    {
        if (isOption || type is not INamedTypeSymbol named || IsList(named) || named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            yield break;
        }

        if (named.IsTupleType && named.TupleElements.Length <= 4)
        {
            foreach (var element in named.TupleElements)
            {
                foreach (var target in StrongTargets(element.Type, IsOption(element.Type)))
                {
                    yield return target;
                }
            }

            yield break;
        }

        if (_plans.ContainsKey(named.OriginalDefinition))
        {
            yield return named.OriginalDefinition;
        }
    }

    private static string? Refusal(ITypeSymbol type)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Delegate:
                return "a delegate is code, not data";
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return "a pointer means nothing in another process";
            case TypeKind.Interface:
                return "an interface does not say which type to read back; use a concrete type";
            case TypeKind.Dynamic:
                return "dynamic does not say which type to read back";
            case TypeKind.Error:
                return "the type does not compile";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return "object does not say which type to read back; use a concrete type";
        }

        if (type.IsRefLikeType)
        {
            return "a ref struct cannot be stored in a batch";
        }

        if (type is IArrayTypeSymbol { Rank: > 1 })
        {
            return "only one-dimensional arrays have a bincode layout";
        }

        if (type is INamedTypeSymbol { IsTupleType: true } tuple && tuple.TupleElements.Length > 7)
        {
            return "tuples of more than 7 elements are not built in; use a record";
        }

        if (type.IsAbstract && type.TypeKind == TypeKind.Class)
        {
            return "an abstract class does not say which type to read back; use a concrete type";
        }

        if (type.IsStatic)
        {
            return "a static class has no values";
        }

        return null;
    }

    public static bool IsScalar(ITypeSymbol type) => type.TypeKind == TypeKind.Enum || type.SpecialType switch
    {
        SpecialType.System_Boolean or SpecialType.System_Char or SpecialType.System_SByte or SpecialType.System_Byte or
        SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or
        SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double or
        SpecialType.System_Decimal or SpecialType.System_IntPtr or SpecialType.System_UIntPtr => true,
        _ => false,
    };

    public static bool IsList(INamedTypeSymbol type) =>
        type.OriginalDefinition.ToDisplayString() == "System.Collections.Generic.List<T>";

    /// <summary>A reference type declared <c>T?</c> in a nullable context: bincode's Option.</summary>
    public static bool IsOption(ITypeSymbol type) =>
        type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated;

    /// <summary>
    /// The engine's own public types that carry a codec written by hand in Timely.Dataflow and
    /// registered there before any can cross: log records (captured and replayed as Rust timely
    /// writes them) and product timestamps (of nested scopes).
    /// </summary>
    private static bool IsEngineCodec(INamedTypeSymbol named) =>
        named.ContainingAssembly?.Name == "Timely.Dataflow"
        && (named.ContainingNamespace.ToDisplayString() + "." + named.MetadataName) is "Timely.Dataflow.Logging.LogRecord" or "Timely.Dataflow.Timestamps.Product`2";

    private static bool HasAttribute(ISymbol symbol, string name) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == name);

    private static bool HasTypeParameter(ITypeSymbol type) => TypeParameters(type).Any();

    private static IEnumerable<ITypeParameterSymbol> TypeParameters(ITypeSymbol type)
    {
        switch (type)
        {
            case ITypeParameterSymbol p:
                yield return p;
                break;
            case IArrayTypeSymbol a:
                foreach (var p in TypeParameters(a.ElementType))
                {
                    yield return p;
                }

                break;
            case INamedTypeSymbol n:
                foreach (var argument in n.TypeArguments)
                {
                    foreach (var p in TypeParameters(argument))
                    {
                        yield return p;
                    }
                }

                break;
        }
    }

    private ITypeSymbol? Substitute(ITypeSymbol type, ImmutableDictionary<ITypeParameterSymbol, ITypeSymbol> map)
    {
        switch (type)
        {
            case ITypeParameterSymbol p:
                return map.TryGetValue(p, out var argument) ? argument : p;
            case IArrayTypeSymbol a:
                return Substitute(a.ElementType, map) is { } element ? _compilation.CreateArrayTypeSymbol(element, a.Rank) : null;
            case INamedTypeSymbol { IsGenericType: true } n:
                var arguments = new ITypeSymbol[n.TypeArguments.Length];
                for (int i = 0; i < arguments.Length; i++)
                {
                    if (Substitute(n.TypeArguments[i], map) is not { } s)
                    {
                        return null;
                    }

                    arguments[i] = s;
                }

                return n.OriginalDefinition.Construct(arguments);
            default:
                return type;
        }
    }

    private static string Word(Accessibility access) => access switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => access.ToString().ToLowerInvariant(),
    };

    private void Report(DiagnosticDescriptor descriptor, Location? location, params object[] args)
    {
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            _errors++;
        }

        if (_quiet > 0)
        {
            return;   // under a hand-registered type: counted (its codec is not written), not reported
        }

        var diagnostic = Diagnostic.Create(descriptor, location ?? Location.None, args);
        if (_reported.Add(descriptor.Id + "|" + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture) + "|" + location?.GetLineSpan()))
        {
            _diagnostics.Add(diagnostic);
        }
    }
}
