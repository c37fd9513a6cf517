using Timely.Bytes;

namespace Timely.Communication.Tests;

/// <summary>
/// A message whose codec measures no bytes is refused at the push, with a message that says why:
/// a zero-length frame is the wire's end of stream, so over TCP it would end the peer's reading of
/// the connection. Refused on every binary transport alike, shared memory included.
/// </summary>
public sealed class EmptyEncodingTests
{
    private sealed class Nothing
    {
    }

    private sealed class NothingCodec : IWireCodec<Nothing>
    {
        public int Measure(in Nothing value) => 0;

        public int Write(Span<byte> destination, in Nothing value) => 0;

        public int Read(ReadOnlySpan<byte> source, ref Nothing value)
        {
            value ??= new Nothing();
            return 0;
        }
    }

    static EmptyEncodingTests() => WireCodec.Register(new NothingCodec());

    [Fact]
    public void A_message_that_encodes_to_no_bytes_is_refused_at_the_push_and_the_worker_can_go_on()
    {
        var outcomes = WorkerRun.RunOk(Config.ProcessBinary(2) with { RingBytes = 8192 }, allocator =>
        {
            var (senders, receiver) = allocator.Allocate<Nothing>(0);
            var (numbers, numbersIn) = allocator.Allocate<long[]>(1);
            int target = 1 - allocator.Index;
            Nothing? empty = new();
            var refused = Assert.Throws<InvalidOperationException>(() => senders[target].Push(ref empty));

            // The channel is left usable: nothing was claimed in the ring, so the next message of
            // another channel to the same worker arrives whole.
            long[]? msg = [allocator.Index, 42];
            numbers[target].Push(ref msg);
            numbers[target].Done();
            long[] got = [];
            WorkerRun.ReceiveExactly(allocator, numbersIn, 1, m => got = [.. m]);
            Assert.Null(receiver.Pull());
            return (refused.Message, got);
        });

        Assert.All(outcomes, o => Assert.Contains("at least one byte", o.Message));
        Assert.All(outcomes, o => Assert.Contains("end of stream", o.Message));
        Assert.Equal([1L, 42], outcomes[0].got);
        Assert.Equal([0L, 42], outcomes[1].got);
    }
}
