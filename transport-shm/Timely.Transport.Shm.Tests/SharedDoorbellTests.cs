using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// The futex doorbell through two separate mappings of one file (two addresses, one
/// physical page, as between processes): many sleep/wake cycles, none lost.
/// </summary>
public sealed class SharedDoorbellTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("timely-bell-").FullName;

    [Fact]
    public void Many_sleep_wake_cycles_through_two_mappings_lose_no_wake_up()
    {
        const int cycles = 2000;
        string path = Path.Combine(_directory, "bell");
        using var ownerFile = MappedFile.Create(path, 4096);
        using var senderFile = MappedFile.Open(path);
        // word at 0, parks at 8, wakes at 16; the message counter at 128, the ack at 256.
        var ownerBell = new SharedDoorbell(ownerFile.Region, 0, 8, 16);
        var senderBell = new SharedDoorbell(senderFile.Region, 0, 8, 16);
        var ownerRegion = ownerFile.Region;
        var senderRegion = senderFile.Region;

        int timedOut = 0;
        var owner = new Thread(() =>
        {
            long seen = 0;
            while (seen < cycles)
            {
                if (Volatile.Read(ref ownerRegion.Int64At(128)) > seen)
                {
                    seen++;
                    Volatile.Write(ref ownerRegion.Int64At(256), seen);
                    continue;
                }

                // A long timeout: returning on it would mean a wake-up was lost.
                if (ownerBell.Park(TimeSpan.FromSeconds(5), s => Volatile.Read(ref ownerRegion.Int64At(128)) > s, seen) == 2)
                {
                    timedOut++;
                }
            }
        });

        var sender = new Thread(() =>
        {
            for (long i = 1; i <= cycles; i++)
            {
                Volatile.Write(ref senderRegion.Int64At(128), i);
                Interlocked.MemoryBarrier();
                senderBell.RingAfterFence();
                var spinner = default(SpinWait);
                while (Volatile.Read(ref senderRegion.Int64At(256)) < i)
                {
                    spinner.SpinOnce();   // wait for the ack, so the owner goes back to sleep
                }
            }
        });

        owner.Start();
        sender.Start();
        Assert.True(owner.Join(TimeSpan.FromSeconds(60)) && sender.Join(TimeSpan.FromSeconds(1)), "sleep/wake cycles did not finish");
        Assert.Equal(0, timedOut);
        Assert.Equal(cycles, Volatile.Read(ref ownerRegion.Int64At(256)));
        Assert.True(ownerBell.Parks > 0, "the owner never slept: the test did not exercise the futex");
        Assert.Equal(ownerBell.Wakes, senderBell.Wakes);   // one counter, seen through both mappings
        Assert.True(senderBell.Wakes > 0);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
