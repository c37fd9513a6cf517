using Timely.Bytes;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Prepares the composite codecs a capture file carries (<c>List&lt;TData&gt;</c> for messages,
/// <c>List&lt;(T, long)&gt;</c> for progress), where T and TData are known statically, so the
/// writer and reader resolve them without reflection (Native AOT). A Product time's codec is
/// registered first: a reader may decode Product times before any Product value was built in the
/// process, and its layout has no codec of its own.
/// </summary>
internal static class CaptureCodecs
{
    // Design: stateless; the registrations it triggers run once per type under the runtime's
    // type-initialization lock (see ProductCodecs) or WireCodec's own lock, so any thread may call it.
    public static void Prepare<T, TData>()
    {
        ProductCodecs.EnsureIfProduct<T>();
        WireCodec.PrepareList<TData>();
        WireCodec.PrepareTuple<T, long>();
        WireCodec.PrepareList<(T, long)>();
    }
}
