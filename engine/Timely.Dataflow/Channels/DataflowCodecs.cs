using Timely.Bytes;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Channels;

/// <summary>
/// Registers the wire codecs of the dataflow's channel payloads with <see cref="WireCodec"/>
/// once per closed type, before a channel of that type is allocated, so that serializing
/// allocators (ProcessBinary, shared memory, TCP) can carry them.
/// </summary>
internal static class DataflowCodecs
{
    // Design: registrations run once per closed type inside static constructors, under the runtime's
    // type-initialization lock, so any worker thread may ask first.

    public static void EnsureMessage<T, TData>() => MessageRegistration<T, TData>.Touch();

    public static void EnsureProgress<T>() => ProgressRegistration<T>.Touch();

    // A static constructor runs exactly once per closed generic type, under the runtime's
    // type-initialization lock: the registration needs no lock of its own.
    private static class MessageRegistration<T, TData>
    {
        static MessageRegistration() => WireCodec.Register<Message<T, TData>>(new LazyCodec<Message<T, TData>>(() => new MessageCodec<T, TData>()));

        public static void Touch()
        {
        }
    }

    private static class ProgressRegistration<T>
    {
        static ProgressRegistration() => WireCodec.Register<ProgressMessage<T>>(new LazyCodec<ProgressMessage<T>>(() => new ProgressMessageCodec<T>()));

        public static void Touch()
        {
        }
    }

    // Defers resolving the time and record codecs to first use: a payload type whose records
    // have no codec is then an error only for allocators that actually serialize. Workers may
    // race on the first use; each builds an equivalent stateless codec and one of them wins,
    // so the field needs no lock and no volatile.
    private sealed class LazyCodec<TValue>(Func<IWireCodec<TValue>> create) : IWireCodec<TValue>
    {
        private IWireCodec<TValue>? _inner;

        private IWireCodec<TValue> Inner => _inner ??= create();

        public int Measure(in TValue value) => Inner.Measure(value);

        public int Write(Span<byte> destination, in TValue value) => Inner.Write(destination, value);

        public int Read(ReadOnlySpan<byte> source, ref TValue value) => Inner.Read(source, ref value);
    }
}
