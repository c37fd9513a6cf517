using Timely.Communication.InProcess;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Communication.Tests;

public sealed class DoorbellTests
{
    /// <summary>How an in-process doorbell's owner sleeps: on its word (a futex, where the platform has one), or on the monitor every platform has.</summary>
    public static TheoryData<bool> SleepKinds()
    {
        var kinds = new TheoryData<bool> { false };
        if (SharedDoorbell.SleepsInKernel)
        {
            kinds.Add(true);
        }

        return kinds;
    }

    /// <summary>
    /// An in-process doorbell whose owner sleeps on its word (<paramref name="onWord"/>) or on
    /// the monitor, with no bound on one sleep: a lost wake-up then shows as a park that ends by
    /// its timeout, not as a wake at the next deadline.
    /// </summary>
    internal static Doorbell InProcessBell(bool onWord) =>
        Doorbell.InProcess(line => new SharedDoorbell(line, 0, 8, 16, sleepOnWord: onWord, slice: null));

    /// <summary>
    /// Lost-wake-up stress: two threads ping-pong through queues, and each side parks on its
    /// doorbell whenever its queue is empty, with no spinning. A lost wake-up would show as
    /// a park that ends by timeout; there must be none.
    /// </summary>
    [Theory]
    [MemberData(nameof(SleepKinds))]
    public void Ping_pong_with_parking_never_loses_a_wake_up(bool onWord)
    {
        const int rounds = 20_000;
        var toB = new SpscQueue<string>();
        var toA = new SpscQueue<string>();
        using var bellA = InProcessBell(onWord);
        using var bellB = InProcessBell(onWord);
        var a = new Side(toA, bellA);
        var b = new Side(toB, bellB);

        var other = new TestThread(() =>
        {
            for (int i = 0; i < rounds; i++)
            {
                toA.Enqueue(b.Await());
                // Alternate the unfenced push-time ring and the fenced flush ring.
                if ((i & 1) == 0)
                {
                    bellA.RingIfSleeping();
                }

                FenceThenRing.One(bellA);
            }
        });

        for (int i = 0; i < rounds; i++)
        {
            toB.Enqueue("ping");
            FenceThenRing.One(bellB);
            Assert.Equal("ping", a.Await());
        }

        Assert.True(other.Join(TimeSpan.FromSeconds(60)), "the other side did not finish");
        Assert.Equal(0, a.TimedOut + b.TimedOut);
        // The stress is only meaningful if the threads really slept and were woken.
        Assert.True(a.Slept + b.Slept > 0, "no park ever slept; the test did not exercise wake-ups");
    }

    /// <summary>With work already there a park does not sleep; with none and nobody ringing, the timeout ends it.</summary>
    [Theory]
    [MemberData(nameof(SleepKinds))]
    public void Park_sleeps_only_without_work_and_ends_at_its_timeout(bool onWord)
    {
        using var bell = InProcessBell(onWord);
        Assert.Equal(ParkOutcome.DidNotSleep, bell.Park(TimeSpan.FromSeconds(30), static _ => true, 0));
        Assert.Equal(0, bell.Parks);
        Assert.Equal(ParkOutcome.TimedOut, bell.Park(TimeSpan.FromMilliseconds(1), static _ => false, 0));
        Assert.Equal(1, bell.Parks);
    }

    [Fact]
    public void The_default_in_process_bell_parks_and_is_woken()
    {
        using var bell = Doorbell.InProcess();
        var ready = new SpscQueue<string>();
        var sender = new TestThread(() =>
        {
            while (bell.Parks == 0)
            {
                Thread.Yield();
            }

            ready.Enqueue("go");
            FenceThenRing.One(bell);
        });

        var outcome = bell.Park(null, static q => !q.IsEmpty, ready);
        Assert.True(sender.Join(TimeSpan.FromSeconds(60)), "the sender did not finish");
        Assert.NotEqual(ParkOutcome.TimedOut, outcome);
        Assert.True(ready.TryDequeue(out _));
    }

    /// <summary>One side of the ping-pong: waits for its queue, parking on its bell (a generous timeout, so a lost wake-up is counted, not hung on).</summary>
    private sealed class Side(SpscQueue<string> queue, Doorbell bell)
    {
        public int TimedOut { get; private set; }

        public int Slept { get; private set; }

        public string Await()
        {
            string? m;
            while (!queue.TryDequeue(out m))
            {
                var outcome = bell.Park(TimeSpan.FromSeconds(30), static q => !q.IsEmpty, queue);
                TimedOut += outcome == ParkOutcome.TimedOut ? 1 : 0;
                Slept += outcome == ParkOutcome.Woken ? 1 : 0;
            }

            return m;
        }
    }
}
