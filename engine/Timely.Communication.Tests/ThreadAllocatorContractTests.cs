namespace Timely.Communication.Tests;

public sealed class ThreadAllocatorContractTests : AllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Thread;

    public static int[] WorkerCounts => [1];

    /// <summary>
    /// The single-worker allocator looks only at channels pushed to since it last found them
    /// empty; a channel is still reported at every receive while it holds messages, is not once
    /// drained, and is again after the next push.
    /// </summary>
    [Fact]
    public void A_channel_is_reported_while_it_holds_messages_and_again_after_a_later_push()
    {
        using var allocator = new ThreadAllocator();
        var channels = Enumerable.Range(0, 100).Select(allocator.Allocate<long[]>).ToArray();
        long[]? message = [1];
        channels[42].Senders[0].Push(ref message);

        for (int receive = 0; receive < 3; receive++)
        {
            allocator.Events.Clear();
            allocator.Receive();
            Assert.Equal([42], allocator.Events);
        }

        Assert.NotNull(channels[42].Receiver.Pull());
        Assert.Null(channels[42].Receiver.Pull());
        allocator.Events.Clear();
        allocator.Receive();
        Assert.Empty(allocator.Events);

        long[]? again = [2];
        channels[42].Senders[0].Push(ref again);
        long[]? other = [3];
        channels[7].Senders[0].Push(ref other);
        allocator.Receive();
        Assert.Equal([7, 42], allocator.Events.Order());
    }
}
