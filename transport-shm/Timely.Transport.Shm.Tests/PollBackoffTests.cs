using Timely.Transport.Shm.Rendezvous;

namespace Timely.Transport.Shm.Tests;

/// <summary>The pauses of a rendezvous wait: yields first, then sleeps that never pass 2 ms.</summary>
public sealed class PollBackoffTests
{
    [Fact]
    public void The_first_looks_only_yield_so_a_peer_a_moment_behind_is_seen_without_a_sleep()
    {
        var backoff = default(PollBackoff);
        var pauses = Enumerable.Range(0, 100).Select(_ => backoff.Next()).ToArray();
        int yields = pauses.TakeWhile(p => p == TimeSpan.Zero).Count();
        Assert.InRange(yields, 10, 50);
        Assert.All(pauses[yields..], p => Assert.True(p > TimeSpan.Zero, "once a wait sleeps it does not go back to yielding"));
    }

    [Fact]
    public void A_long_wait_looks_every_2_ms_neither_faster_nor_slower()
    {
        var backoff = default(PollBackoff);
        var pauses = Enumerable.Range(0, 10_000).Select(_ => backoff.Next()).ToArray();
        Assert.All(pauses, p => Assert.InRange(p, TimeSpan.Zero, TimeSpan.FromMilliseconds(2)));
        Assert.All(pauses[(PollBackoff.Yields + PollBackoff.ShortSleeps)..], p => Assert.Equal(TimeSpan.FromMilliseconds(2), p));
    }
}
