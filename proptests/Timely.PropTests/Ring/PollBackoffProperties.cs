using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.PropTests.Ring;

/// <summary>
/// Whatever the number of looks a rendezvous wait takes, its pauses never shrink (a wait that
/// has slept does not go back to spinning), never pass <see cref="PollBackoff.Longest"/> (a peer
/// that arrives is seen within that), and all but a bounded few are that long (a wait of
/// seconds polls no faster than it did with a fixed sleep).
/// </summary>
public sealed class PollBackoffProperties
{
    [Property(MaxTest = 200)]
    public Property Pauses_grow_to_the_longest_and_stay_there() =>
        Prop.ForAll(Gen.Choose(0, 20_000).ToArbitrary(), looks =>
        {
            var backoff = default(PollBackoff);
            var pauses = Enumerable.Range(0, looks).Select(_ => backoff.Next()).ToArray();
            bool growing = pauses.Zip(pauses.Skip(1)).All(p => p.First <= p.Second);
            bool bounded = pauses.All(p => p >= TimeSpan.Zero && p <= PollBackoff.Longest);
            int shorter = pauses.Count(p => p < PollBackoff.Longest);
            return growing && bounded && shorter <= PollBackoff.Yields + PollBackoff.ShortSleeps;
        });
}
