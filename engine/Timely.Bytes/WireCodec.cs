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
/// Reflection is used only here, once per type; the codec found is cached in a static
/// field, so the per-message path is a static load and an interface call.
/// </remarks>
public static class WireCodec
{
    // Design: any thread may resolve or register. Gate guards the registry and the
    // one-time resolution of every WireCodec<T>; WireCodec<T> publishes its codec inside
    // Gate, so "resolved" and "registered" can never disagree. Monitor is re-entrant, which
    // resolution needs: resolving List<(ulong, string)> resolves its parts under the same lock.
    private static readonly object Gate = new();
    private static readonly Dictionary<Type, object> Registered = [];

    /// <summary>
    /// Makes <paramref name="codec"/> the codec of <typeparamref name="T"/>. Must be called
    /// before <typeparamref name="T"/> (or a type containing it) is first encoded or decoded;
    /// registering afterwards throws, because codecs already resolved would disagree.
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

    internal static IWireCodec<T> Resolve<T>()
    {
        lock (Gate)
        {
            if (WireCodec<T>.Current is { } resolved)
            {
                return resolved;
            }

            IWireCodec<T> codec = Registered.TryGetValue(typeof(T), out object? registered)
                ? (IWireCodec<T>)registered
                : (IWireCodec<T>)CreateBuiltIn(typeof(T), RuntimeHelpers.IsReferenceOrContainsReferences<T>(), static () => UnmanagedCodec<T>.Instance);

            // Published inside the lock so Register, which checks under the same lock,
            // can never slip in between resolution and publication.
            WireCodec<T>.Publish(codec);
            return codec;
        }
    }

    // containsReferences and unmanagedCodec come from the generic caller: asking RuntimeHelpers
    // through MakeGenericMethod, or UnmanagedCodec<> through MakeGenericType, has no native code
    // under Native AOT (both failed there for ulong).
    private static object CreateBuiltIn(Type type, bool containsReferences, Func<object> unmanagedCodec)
    {
        if (type == typeof(bool))
        {
            return BoolCodec.Instance;
        }

        if (type == typeof(string))
        {
            return StringCodec.Instance;
        }

        if (type.IsArray)
        {
            if (type.GetArrayRank() != 1 || type != type.GetElementType()!.MakeArrayType())
            {
                throw NotSupported(type, "only single-dimension, zero-based arrays are built in");
            }

            return CreateSequence(typeof(ArrayCodec<>), typeof(UnmanagedArrayCodec<>), type.GetElementType()!);
        }

        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            Type[] args = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                return CreateSequence(typeof(ListCodec<>), typeof(UnmanagedListCodec<>), args[0]);
            }

            Type? tuple = definition == typeof(ValueTuple<,>) ? typeof(TupleCodec<,>)
                : definition == typeof(ValueTuple<,,>) ? typeof(TupleCodec<,,>)
                : definition == typeof(ValueTuple<,,,>) ? typeof(TupleCodec<,,,>)
                : null;
            if (tuple is not null)
            {
                return Create(tuple.MakeGenericType(args), Array.ConvertAll(args, DefaultOf));
            }

            if (definition == typeof(Nullable<>))
            {
                return Create(typeof(NullableCodec<>).MakeGenericType(args), DefaultOf(args[0]));
            }
        }

        if (type.IsValueType && !containsReferences)
        {
            // An auto-layout struct (ValueTuple of 5+ fields, for one) lets the runtime reorder
            // its fields, so its memory is no wire format. One field cannot be reordered.
            if (type.IsAutoLayout && !type.IsPrimitive && !type.IsEnum &&
                type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length > 1)
            {
                throw NotSupported(type, "its layout is LayoutKind.Auto, so its in-memory bytes are not a stable wire format");
            }

            RequireLittleEndian(type);
            return unmanagedCodec();
        }

        throw NotSupported(type, "it is not a primitive, enum, unmanaged struct, string, array, List<T>, ValueTuple of 2-4 fields or Nullable<T>");
    }

    private static object CreateSequence(Type general, Type unmanaged, Type element)
    {
        object elementCodec = DefaultOf(element);
        if (IsMemoryCopy(elementCodec))
        {
            return Create(unmanaged.MakeGenericType(element));
        }

        return Create(general.MakeGenericType(element), elementCodec);
    }

    private static bool IsMemoryCopy(object codec) =>
        codec.GetType().IsGenericType && codec.GetType().GetGenericTypeDefinition() == typeof(UnmanagedCodec<>);

    // DoNotWrapExceptions: a NotSupportedException from a nested part reaches the caller as
    // itself, not inside a TargetInvocationException.
    private static object Create(Type codecType, params object[] parts) =>
        Activator.CreateInstance(codecType, BindingFlags.DoNotWrapExceptions | BindingFlags.Public | BindingFlags.Instance, null, parts, null)!;

    private static object DefaultOf(Type type) =>
        typeof(WireCodec<>).MakeGenericType(type).GetProperty(nameof(WireCodec<int>.Default))!.GetMethod!
            .Invoke(null, BindingFlags.DoNotWrapExceptions, null, null, null)!;

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
