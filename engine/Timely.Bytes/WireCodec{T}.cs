using System.Runtime.CompilerServices;

namespace Timely.Bytes;

/// <summary>The codec of <typeparamref name="T"/>, resolved once on first use (see <see cref="WireCodec"/>).</summary>
public static class WireCodec<T>
{
    // Design: read by any thread, written once under WireCodec's lock after the codec is
    // fully built. Not volatile: publishing a reference to a constructed object is safe in
    // the .NET memory model (the object's initializing writes are visible first), and a
    // reader that still sees null takes the slow path, whose lock orders it after the
    // store. Fast path = one static load and a null test.
    private static IWireCodec<T>? _codec;

    /// <summary>The codec used for <typeparamref name="T"/>; throws <see cref="NotSupportedException"/> if there is none.</summary>
    public static IWireCodec<T> Default
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _codec ?? ResolveSlow();
    }

    internal static bool IsResolved => _codec is not null;

    internal static IWireCodec<T>? Current => _codec;

    internal static void Publish(IWireCodec<T> codec) => _codec = codec;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IWireCodec<T> ResolveSlow() => WireCodec.Resolve<T>();
}
