using Timely.Communication.InProcess;
using Timely.Communication.Wakeup;

namespace Timely.Communication.Tests;

public sealed class DoorbellTests
{
    /// <summary>
    /// Lost-wake-up stress: two threads ping-pong through queues, and each side parks on its
    /// doorbell whenever its queue is empty, with no spinning. A lost wake-up would show as
    /// a park that ends by timeout; there must be none.
    /// </summary>
    /// <summary>The futex path where the platform has it, and the portable path everywhere.</summary>
    public static TheoryData<bool> Paths => SharedDoorbellPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void Ping_pong_with_parking_never_loses_a_wake_up(bool futex)
    {
        const int rounds = 20_000;
        var timeout = TimeSpan.FromSeconds(5);
        var toB = new SpscQueue<string>();
        var toA = new SpscQueue<string>();
        using var bellA = new Doorbell(futex);
        using var bellB = new Doorbell(futex);
        int timeoutsA = 0, timeoutsB = 0;
        int sleptA = 0, sleptB = 0;

        var b = new TestThread(() =>
        {
            for (int i = 0; i < rounds; i++)
            {
                string? m;
                while (!toB.TryDequeue(out m))
                {
                    var outcome = bellB.Park(timeout, static q => !q.IsEmpty, toB);
                    if (outcome == ParkOutcome.TimedOut)
                    {
                        timeoutsB++;
                    }
                    else if (outcome == ParkOutcome.Woken)
                    {
                        sleptB++;
                    }
                }

                toA.Enqueue(m);
                // Alternate the unfenced push-time ring and the fenced flush ring.
                if ((i & 1) == 0)
                {
                    bellA.RingIfSleeping();
                }

                bellA.RingFenced();
            }
        });

        for (int i = 0; i < rounds; i++)
        {
            toB.Enqueue("ping");
            bellB.RingFenced();
            string? m;
            while (!toA.TryDequeue(out m))
            {
                var outcome = bellA.Park(timeout, static q => !q.IsEmpty, toA);
                if (outcome == ParkOutcome.TimedOut)
                {
                    timeoutsA++;
                }
                else if (outcome == ParkOutcome.Woken)
                {
                    sleptA++;
                }
            }

            Assert.Equal("ping", m);
        }

        Assert.True(b.Join(TimeSpan.FromSeconds(60)), "the other side did not finish");
        Assert.Equal(0, timeoutsA);
        Assert.Equal(0, timeoutsB);
        // The stress is only meaningful if the threads really slept and were woken.
        Assert.True(sleptA + sleptB > 0, "no park ever slept; the test did not exercise wake-ups");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Park_returns_at_once_when_work_is_already_there(bool futex)
    {
        using var bell = new Doorbell(futex);
        Assert.Equal(ParkOutcome.DidNotSleep, bell.Park(TimeSpan.FromSeconds(30), static _ => true, 0));
        Assert.Equal(0, bell.Parks);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Park_times_out_when_nobody_rings(bool futex)
    {
        using var bell = new Doorbell(futex);
        Assert.Equal(ParkOutcome.TimedOut, bell.Park(TimeSpan.FromMilliseconds(1), static _ => false, 0));
        Assert.Equal(1, bell.Parks);
    }

    private static TheoryData<bool> SharedDoorbellPaths()
    {
        var paths = new TheoryData<bool> { false };
        if (Timely.Transport.Shm.Wakeup.SharedDoorbell.SleepsInKernel)
        {
            paths.Add(true);
        }

        return paths;
    }
}
