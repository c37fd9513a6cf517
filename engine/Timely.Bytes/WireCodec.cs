using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Timely.Bytes.Codecs;

namespace Timely.Bytes;

/// <summary>
/// Registration and one-time resolution of the codec for each type; the codec itself is
/// read through <see cref="WireCodec{T}.Default"/>.
/// </summary>
/// <remarks>
/// Built-in layouts (bincode 1.x legacy, little-endian, fixed width):
/// <list type="bullet">
/// <item>Primitive numerics (byte..ulong, nint/nuint, float, double, Half, Int128, decimal),
/// enums (as their underlying type) and any other unmanaged struct: its in-memory bytes.
/// For a user struct that is the CLR layout, padding included, so give such structs an
/// explicit layout or register a codec when the bytes must match another program.</item>
/// <item><c>char</c>: its UTF-16 code unit as a u16, which is NOT Rust's <c>char</c> (a UTF-8
/// scalar); a .NET char cannot hold every Unicode scalar, so exchange text as strings.</item>
/// <item><c>bool</c>: one byte, 0 or 1 (other bytes are rejected).</item>
/// <item><c>string</c>: u64 byte count, then strict UTF-8.</item>
/// <item><c>T[]</c>, <c>List&lt;T&gt;</c>: u64 count, then elements (one block copy when the
/// element is copied as memory).</item>
/// <item><c>(T1, T2)</c>, <c>(T1, T2, T3)</c>, <c>(T1, T2, T3, T4)</c>: fields back to back.</item>
/// <item><c>T?</c> of a value type: Rust's <c>Option</c>, a tag byte then the value.</item>
/// </list>
/// Memory copies assume a little-endian host; resolution checks
/// <see cref="BitConverter.IsLittleEndian"/> once and refuses otherwise.
/// Resolution runs once per type; the codec found is cached in a static field, so the
/// per-message path is a static load and an interface call. A composite type (array, list,
/// tuple, nullable) is built by the <c>Prepare*</c> method of its parts, with no reflection:
/// the engine prepares what its own channels and capture files carry, and a Native AOT app
/// prepares the composite record types it sends (<c>WireCodec.PrepareTuple&lt;ulong, string&gt;()</c>);
/// an unprepared one names the call to add. Under the JIT an unprepared composite is still
/// built, through reflection.
/// </remarks>
public static class WireCodec
{
    // Design: any thread may resolve or register. Gate guards the registry and the
    // one-time resolution of every WireCodec<T>; WireCodec<T> publishes its codec inside
    // Gate, so "resolved" and "registered" can never disagree. Monitor is re-entrant, which
    // resolution needs: resolving List<(ulong, string)> resolves its parts under the same lock.
    private static readonly object Gate = new();
    private static readonly Dictionary<Type, object> Registered = [];

    // Codecs the codec generator wrote, registered from module initializers; a Register'ed codec wins.
    private static readonly Dictionary<Type, object> Generated = [];

    // Builders of composite built-in codecs, added by the Prepare* methods (which know the parts
    // statically) and read under Gate.
    private static readonly Dictionary<Type, Func<object>> Prepared = [];

    // Composites built through PrepareByReflection, for tests that check the engine prepares its own.
    private static readonly List<Type> BuiltByReflection = [];

    // C# keywords for the types error messages name.
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short",
        [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long",
        [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal",
        [typeof(char)] = "char", [typeof(string)] = "string", [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    /// <summary>
    /// Makes <paramref name="codec"/> the codec of <typeparamref name="T"/>. Must be called
    /// before <typeparamref name="T"/> (or a type containing it) is first encoded or decoded;
    /// registering afterwards throws, because codecs already resolved would disagree. It takes
    /// the place of a generated codec of the same type (<see cref="RegisterGenerated{T}"/>).
    /// </summary>
    public static void Register<T>(IWireCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        lock (Gate)
        {
            if (WireCodec<T>.IsResolved)
            {
                throw new InvalidOperationException(
                    $"WireCodec.Register<{typeof(T)}>: the codec of {typeof(T)} was already resolved (first use happened); register codecs before any value of the type is encoded or decoded.");
            }

            if (!Registered.TryAdd(typeof(T), codec))
            {
                throw new InvalidOperationException($"WireCodec.Register<{typeof(T)}>: a codec for {typeof(T)} is already registered.");
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="codec"/>, written by the codec generator, the codec of
    /// <typeparamref name="T"/> unless one is registered with <see cref="Register{T}"/>, which wins
    /// whenever it comes before first use. Generated code calls this from a module initializer;
    /// code of yours calls <see cref="Register{T}"/>. A second generated codec for the same type
    /// is ignored: the generator writes one layout per type, so both say the same bytes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The type was already resolved to a codec that is not a generated one.</exception>
    public static void RegisterGenerated<T>(IWireCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        lock (Gate)
        {
            if (WireCodec<T>.IsResolved && !Generated.ContainsKey(typeof(T)))
            {
                throw new InvalidOperationException(
                    $"WireCodec.RegisterGenerated<{typeof(T)}>: the codec of {typeof(T)} was already resolved to another codec before its generated one was registered; the generated registration runs when its assembly is loaded, so use no value of the type before that.");
            }

            Generated.TryAdd(typeof(T), codec);
        }
    }

    /// <summary>
    /// Lets resolution build the built-in codec of <c>List&lt;T&gt;</c> without reflection, as a
    /// Native AOT build needs (see the remarks of <see cref="WireCodec"/>). Idempotent, callable
    /// at any time before first use; it never changes which codec is used (a registered one wins).
    /// </summary>
    public static void PrepareList<T>() => Prepare(typeof(List<T>), static () => BuildList<T>());

    /// <summary>As <see cref="PrepareList{T}"/>, for <typeparamref name="T"/><c>[]</c>.</summary>
    public static void PrepareArray<T>() => Prepare(typeof(T[]), static () => BuildArray<T>());

    /// <summary>As <see cref="PrepareList{T}"/>, for <c>(T1, T2)</c>.</summary>
    public static void PrepareTuple<T1, T2>() =>
        Prepare(typeof(ValueTuple<T1, T2>), static () => BuildTuple<T1, T2>());

    /// <summary>As <see cref="PrepareList{T}"/>, for <c>(T1, T2, T3)</c>.</summary>
    public static void PrepareTuple<T1, T2, T3>() =>
        Prepare(
            typeof(ValueTuple<T1, T2, T3>),
            static () => TupleLayout.IsPacked<T1, T2, T3>()
                ? UnmanagedCodec<ValueTuple<T1, T2, T3>>.Instance
                : new TupleCodec<T1, T2, T3>(WireCodec<T1>.Default, WireCodec<T2>.Default, WireCodec<T3>.Default));

    /// <summary>As <see cref="PrepareList{T}"/>, for <c>(T1, T2, T3, T4)</c>.</summary>
    public static void PrepareTuple<T1, T2, T3, T4>() =>
        Prepare(
            typeof(ValueTuple<T1, T2, T3, T4>),
            static () => TupleLayout.IsPacked<T1, T2, T3, T4>()
                ? UnmanagedCodec<ValueTuple<T1, T2, T3, T4>>.Instance
                : new TupleCodec<T1, T2, T3, T4>(WireCodec<T1>.Default, WireCodec<T2>.Default, WireCodec<T3>.Default, WireCodec<T4>.Default));

    /// <summary>As <see cref="PrepareList{T}"/>, for <typeparamref name="T"/><c>?</c>.</summary>
    public static void PrepareNullable<T>()
        where T : struct => Prepare(typeof(T?), static () => new NullableCodec<T>(WireCodec<T>.Default));

    internal static IWireCodec<T> Resolve<T>()
    {
        lock (Gate)
        {
            if (WireCodec<T>.Current is { } resolved)
            {
                return resolved;
            }

            IWireCodec<T> codec = Registered.TryGetValue(typeof(T), out object? registered) ? (IWireCodec<T>)registered
                : Generated.TryGetValue(typeof(T), out object? generated) ? (IWireCodec<T>)generated
                : (IWireCodec<T>)CreateBuiltIn<T>();

            // Published inside the lock so Register, which checks under the same lock,
            // can never slip in between resolution and publication.
            WireCodec<T>.Publish(codec);
            return codec;
        }
    }

    /// <summary>The composite types whose codec was built through reflection so far (JIT only).</summary>
    internal static Type[] ReflectionBuilt()
    {
        lock (Gate)
        {
            return [.. BuiltByReflection];
        }
    }

    private static void Prepare(Type type, Func<object> build)
    {
        lock (Gate)
        {
            Prepared.TryAdd(type, build);
        }
    }

    // Design: no MakeGenericType/MakeGenericMethod on the way of a prepared or plain type, since
    // Native AOT has no code for an instantiation it did not see. IsReferenceOrContainsReferences<T>
    // and UnmanagedCodec<T> are named for the generic T; composites (arrays, lists, tuples,
    // nullables) are built by the Prepare* method of their parts, which the engine calls where it
    // knows them statically (MessageCodec, capture). Only an unprepared composite takes reflection,
    // and only where the runtime can make code (the JIT); under Native AOT it is a clear error.
    private static object CreateBuiltIn<T>()
    {
        Type type = typeof(T);
        if (Prepared.TryGetValue(type, out Func<object>? build))
        {
            return build();
        }

        if (type == typeof(bool))
        {
            return BoolCodec.Instance;
        }

        if (type == typeof(string))
        {
            return StringCodec.Instance;
        }

        if (PrepareMethod(type) is not null)
        {
            if (type.IsArray && !type.IsSZArray)
            {
                throw NotSupported(type, "only single-dimension, zero-based arrays are built in");
            }

            if (!RuntimeFeature.IsDynamicCodeSupported)
            {
                throw new NotSupportedException(
                    $"No wire codec for {Name(type)} in this build: without a JIT (Native AOT) array, list, tuple and nullable codecs are built only for types prepared ahead; pass it to a [WireEncoded] type parameter where the codec generator sees it (it then prepares it), call {PrepareCall(type)} before first use, or WireCodec.Register a codec.");
            }

            PrepareByReflection(type);
            BuiltByReflection.Add(type);
            return Prepared[type]();
        }

        if (type.IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            // An auto-layout struct (ValueTuple of 5+ fields, for one) lets the runtime reorder
            // its fields, so its memory is no wire format. One field cannot be reordered.
            if (type.IsAutoLayout && !type.IsPrimitive && !type.IsEnum && InstanceFieldCount(type) != 1)
            {
                throw NotSupported(type, "its layout is LayoutKind.Auto, so its in-memory bytes are not a stable wire format");
            }

            RequireLittleEndian(type);
            return UnmanagedCodec<T>.Instance;
        }

        throw NotSupported(type, "it is not a primitive, enum, unmanaged struct, string, array, List<T>, ValueTuple of 2-4 fields or Nullable<T>, "
            + "and no generated codec of it was registered (the codec generator writes one for a type of yours that it sees "
            + "reach a [WireEncoded] type parameter, or that is marked [GenerateWireCodec])");
    }

    // A trimmed or AOT build may drop the field metadata of a struct nobody reflects on; the
    // count is then 0 and the struct is refused (the safe side), never accepted on a guess.
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Only counts fields; missing metadata yields 0, which refuses the type.")]
    private static int InstanceFieldCount(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length;

    // The Prepare* method that builds the codec of a composite type (array, List<T>, tuple of
    // 2-4, Nullable<T>), or null for any other type: the one classification of composites.
    private static string? PrepareMethod(Type type)
    {
        if (type.IsArray)
        {
            return nameof(PrepareArray);
        }

        if (!type.IsGenericType)
        {
            return null;
        }

        Type definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) ? nameof(PrepareList)
            : definition == typeof(ValueTuple<,>) || definition == typeof(ValueTuple<,,>) || definition == typeof(ValueTuple<,,,>) ? nameof(PrepareTuple)
            : definition == typeof(Nullable<>) ? nameof(PrepareNullable)
            : null;
    }

    // The parts a composite's Prepare* method takes as type arguments.
    private static Type[] Parts(Type type) => type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments();

    // The JIT-only way to the same codec: call the Prepare* method for the parts of the type.
    [RequiresDynamicCode("Builds the codec of a composite type nobody prepared through MakeGenericMethod; Native AOT takes the Prepare* path or reports the missing call.")]
    private static void PrepareByReflection(Type type)
    {
        Type[] args = Parts(type);
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Static;
        MethodInfo prepare = PrepareMethod(type) switch
        {
            nameof(PrepareArray) => typeof(WireCodec).GetMethod(nameof(PrepareArray), Flags)!.MakeGenericMethod(args),
            nameof(PrepareList) => typeof(WireCodec).GetMethod(nameof(PrepareList), Flags)!.MakeGenericMethod(args),
            nameof(PrepareNullable) => NullablePrepare(args),
            _ => typeof(WireCodec).GetMethod(nameof(PrepareTuple), args.Length, Flags, null, Type.EmptyTypes, null)!.MakeGenericMethod(args),
        };

        // DoNotWrapExceptions: a NotSupportedException from a nested part reaches the caller as
        // itself, not inside a TargetInvocationException.
        prepare.Invoke(null, BindingFlags.DoNotWrapExceptions, null, null, null);
    }

    // IL2060 stands for PrepareNullable's `T : struct`, which the argument of an existing
    // Nullable<T> meets by definition.
    [RequiresDynamicCode("MakeGenericMethod")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "The only requirement is T : struct, met by the argument of a Nullable<T>.")]
    private static MethodInfo NullablePrepare(Type[] args) =>
        typeof(WireCodec).GetMethod(nameof(PrepareNullable), BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(args);

    private static string PrepareCall(Type type) =>
        $"WireCodec.{PrepareMethod(type)}<{string.Join(", ", Parts(type).Select(Name))}>()";

    private static object BuildList<T>()
    {
        IWireCodec<T> element = WireCodec<T>.Default;
        return element switch
        {
            UnmanagedCodec<T> => new UnmanagedListCodec<T>(),
            ISequenceCodecSource<T> source => source.CreateListCodec(),
            _ => new ListCodec<T>(element),
        };
    }

    // A pair of copied fields: as memory when the tuple is its fields back to back (one block
    // copy per batch), at fixed offsets when padding lies between them, else field by field.
    // All three write the same bytes (see TupleLayout).
    private static object BuildTuple<T1, T2>() =>
        TupleLayout.IsPacked<T1, T2>() ? UnmanagedCodec<ValueTuple<T1, T2>>.Instance
        : TupleLayout.IsCopied<T1>() && TupleLayout.IsCopied<T2>() ? new PackedPairCodec<T1, T2>()
        : new TupleCodec<T1, T2>(WireCodec<T1>.Default, WireCodec<T2>.Default);

    private static object BuildArray<T>()
    {
        IWireCodec<T> element = WireCodec<T>.Default;
        return element is not UnmanagedCodec<T> ? new ArrayCodec<T>(element)
            : typeof(T) == typeof(byte) ? ByteArrayCodec.Instance
            : new UnmanagedArrayCodec<T>();
    }

    // C# spelling of a type for messages that show the call to write: List<(ulong, string)>.
    private static string Name(Type type)
    {
        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        if (Keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        Type definition = type.GetGenericTypeDefinition();
        string[] args = Array.ConvertAll(type.GetGenericArguments(), Name);
        if (definition == typeof(Nullable<>))
        {
            return args[0] + "?";
        }

        if (PrepareMethod(type) == nameof(PrepareTuple))
        {
            return "(" + string.Join(", ", args) + ")";
        }

        string plain = type.Name;
        int tick = plain.IndexOf('`', StringComparison.Ordinal);
        return (tick < 0 ? plain : plain[..tick]) + "<" + string.Join(", ", args) + ">";
    }

    private static void RequireLittleEndian(Type type)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException(
                $"WireCodec: {type} is encoded as its in-memory bytes, which are little-endian only on a little-endian host; this host is big-endian.");
        }
    }

    private static NotSupportedException NotSupported(Type type, string why) =>
        new($"No wire codec for {type}: {why}. Call WireCodec.Register<{type.Name}>(codec) before first use.");
}
