using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Communication.InProcess;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Wakeup;

namespace Timely.PropTests.Communication;

/// <summary>
/// No lost wake-up, on the engine's own protocol types under real races: senders publish into
/// queues and ring through <see cref="FenceThenRing"/> (unfenced per push, fenced per flush,
/// flagged targets or one at a time, a broadcast to all); owners wait with
/// <see cref="SpinThenPark"/> (its whole wait, or its step inside a loop of their own) on a
/// <see cref="Doorbell"/> over each storage of the one state machine, <see cref="SharedDoorbell"/>:
/// an in-process word slept on in the kernel or on the monitor, and a shared-memory word
/// reached through two mappings of one file, as between processes.
/// </summary>
/// <remarks>
/// The bells have no bound on one sleep and the parks no timeout, so a lost wake-up is a park
/// that never ends, not a late wake at the next deadline. A generous deadline on a stall (no
/// progress at all for a minute) turns it into a failure instead of a hang, then rings every
/// bell so the threads end. No timing is asserted: the interleavings differ from run to run
/// and the properties hold for each of them.
/// </remarks>
public sealed class WakeupRaceProperties
{
    private static readonly TimeSpan StallDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Where the doorbell words live and how their owners sleep.</summary>
    public enum Storage
    {
        /// <summary>This process's memory, sleeping on the word (a futex where the kernel has one).</summary>
        InProcessWord,

        /// <summary>This process's memory, sleeping on the monitor (the path of a platform without a futex).</summary>
        InProcessMonitor,

        /// <summary>A mapped file, owners and senders each through a mapping of their own.</summary>
        SharedMemoryWord,
    }

    /// <summary>
    /// Owners and, per sender, the owner each message goes to, how often it flushes, whether it
    /// rings unfenced at each push, and whether it waits after each flush until what it flushed
    /// is consumed (so that every flush is, for a moment, the last ring an owner will get); how
    /// owners spin, whether they loop on the single step, and whether their wait is that of a
    /// worker that owns its core (no yields between its looks).
    /// </summary>
    public sealed record Traffic(Storage Storage, int Owners, int Spins, bool OwnLoop, bool OwnsCore, int[][] Targets, int[] FlushEvery, bool[] RingPerPush, bool[] Sync)
    {
        public override string ToString() =>
            $"{Storage}, {Owners} owners, spins {Spins}, {(OwnLoop ? "SpinOrPark loop" : OwnsCore ? "Await owning its core" : "Await")}, senders sending [{string.Join(",", Targets.Select(t => t.Length))}] flushing every [{string.Join(",", FlushEvery)}] ringing per push [{string.Join(",", RingPerPush)}] waiting after a flush [{string.Join(",", Sync)}]";
    }

    /// <summary>Owners woken by a broadcast: rounds of one publish and one <see cref="FenceThenRing.All{TBells}"/>.</summary>
    public sealed record Broadcast(Storage Storage, int Owners, int Spins, bool OwnsCore, int Rounds)
    {
        public override string ToString() => $"{Storage}, {Owners} owners, spins {Spins}{(OwnsCore ? " owning their cores" : "")}, {Rounds} rounds";
    }

    private static Gen<Storage> Storages() => Gen.Elements(Storage.InProcessWord, Storage.InProcessMonitor, Storage.SharedMemoryWord);

    private static Gen<int> Spins() => Gen.Elements(0, 0, 1, 20);

    private static Gen<Traffic> TrafficGen() =>
        from storage in Storages()
        from owners in Gen.Choose(1, 3)
        from senders in Gen.Choose(1, 3)
        from spins in Spins()
        from ownLoop in Gen.Elements(false, true)
        from ownsCore in Gen.Elements(false, true)
        from targets in Gen.ArrayOf(Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, owners - 1), n)), senders)
        from flushEvery in Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(5, 64))), senders)
        from ringPerPush in Gen.ArrayOf(Gen.Elements(false, true), senders)
        from sync in Gen.ArrayOf(Gen.Elements(false, true), senders)
        select new Traffic(storage, owners, spins, ownLoop, ownsCore, targets, flushEvery, ringPerPush, sync);

    private static Gen<Broadcast> BroadcastGen() =>
        from storage in Storages()
        from owners in Gen.Choose(1, 4)
        from spins in Spins()
        from ownsCore in Gen.Elements(false, true)
        from rounds in Gen.Choose(1, 60)
        select new Broadcast(storage, owners, spins, ownsCore, rounds);

    /// <summary>
    /// Every message reaches its owner, in order per sender, whatever the interleaving of the
    /// senders' pushes and flushes with the owners' spins and parks.
    /// </summary>
    [Property(MaxTest = 30, QuietOnSuccess = true)]
    public Property Flushed_messages_always_wake_their_owner() => Prop.ForAll(TrafficGen().ToArbitrary(), Deliver);

    /// <summary>A publish followed by one fence and a ring of every bell wakes every parked owner, round after round.</summary>
    [Property(MaxTest = 30, QuietOnSuccess = true)]
    public Property A_broadcast_wakes_every_parked_owner() => Prop.ForAll(BroadcastGen().ToArbitrary(), RunRounds);

    private static bool Deliver(Traffic traffic)
    {
        using var bells = new Bells(traffic.Storage, traffic.Owners);
        int senders = traffic.Targets.Length;
        var queues = Enumerable.Range(0, senders).Select(_ => Enumerable.Range(0, traffic.Owners).Select(_ => new SpscQueue<int>()).ToArray()).ToArray();
        var received = new long[traffic.Owners];
        var consumed = Enumerable.Range(0, senders).Select(_ => new long[traffic.Owners]).ToArray();
        var stop = new StopFlag();
        var threads = new List<Action>();
        for (int s = 0; s < senders; s++)
        {
            int sender = s;
            threads.Add(() => Send(traffic, sender, queues[sender], bells.SenderSide, consumed[sender], stop));
        }

        for (int o = 0; o < traffic.Owners; o++)
        {
            int owner = o;
            int expected = traffic.Targets.Sum(t => t.Count(x => x == owner));
            var column = queues.Select(q => q[owner]).ToArray();
            threads.Add(() => Receive(traffic, bells.OwnerSide[owner], column, expected, received, consumed, owner, stop));
        }

        Race.Run(threads, () => Race.Sum(received), stop, bells.OwnerSide, $"{traffic}");
        for (int o = 0; o < traffic.Owners; o++)
        {
            Assert.Equal(traffic.Targets.Sum(t => t.Count(x => x == o)), received[o]);
        }

        return true;
    }

    /// <summary>A sender as the pushers and allocators ring: a flag per target, an unfenced ring per push if asked, a flush every so often.</summary>
    private static void Send(Traffic traffic, int sender, SpscQueue<int>[] toOwners, Doorbell[] bells, long[] consumed, StopFlag stop)
    {
        var flagged = new bool[traffic.Owners];
        var sent = new long[traffic.Owners];
        var targets = traffic.Targets[sender];
        for (int i = 0; i < targets.Length; i++)
        {
            int t = targets[i];
            toOwners[t].Enqueue(i);
            sent[t]++;
            flagged[t] = true;
            if (traffic.RingPerPush[sender])
            {
                bells[t].RingIfSleeping();
            }

            if ((i + 1) % traffic.FlushEvery[sender] != 0)
            {
                continue;
            }

            if ((i & 2) == 0)
            {
                FenceThenRing.Flagged(flagged, new DoorbellList(bells));   // a Release
                for (int o = 0; o < sent.Length && traffic.Sync[sender]; o++)
                {
                    AwaitConsumed(consumed, o, sent[o], stop);
                }
            }
            else
            {
                flagged[t] = false;   // a Done: its own target only, the rest stay flagged
                FenceThenRing.One(bells[t]);
                if (traffic.Sync[sender])
                {
                    AwaitConsumed(consumed, t, sent[t], stop);
                }
            }
        }

        FenceThenRing.Flagged(flagged, new DoorbellList(bells));
    }

    /// <summary>Sender: waits until owner <paramref name="owner"/> has taken <paramref name="count"/> of its messages (or the race is stopped).</summary>
    private static void AwaitConsumed(long[] consumed, int owner, long count, StopFlag stop)
    {
        while (Volatile.Read(ref consumed[owner]) < count && !stop.IsSet)
        {
            Thread.Yield();
        }
    }

    /// <summary>An owner: drains its queues, checking order per sender, and waits on its bell when they are empty.</summary>
    private static void Receive(Traffic traffic, Doorbell bell, SpscQueue<int>[] fromSenders, int expected, long[] received, long[][] consumed, int owner, StopFlag stop)
    {
        var last = Enumerable.Repeat(-1, fromSenders.Length).ToArray();
        var probe = new QueueProbe(fromSenders, stop);
        long count = 0;
        while (count < expected && !stop.IsSet)
        {
            bool any = false;
            for (int s = 0; s < fromSenders.Length; s++)
            {
                while (fromSenders[s].TryDequeue(out int i))
                {
                    Assert.True(i > last[s], $"owner {owner}: message {i} from sender {s} after {last[s]}");
                    last[s] = i;
                    any = true;
                    Volatile.Write(ref received[owner], ++count);
                    Volatile.Write(ref consumed[s][owner], consumed[s][owner] + 1);
                }
            }

            if (any)
            {
                continue;
            }

            if (traffic.OwnLoop)
            {
                var spinner = default(SpinWait);
                while (!probe.HasWork())
                {
                    SpinThenPark.SpinOrPark(ref spinner, bell, traffic.Spins, null, probe);
                }
            }
            else
            {
                _ = SpinThenPark.Await(bell, traffic.Spins, null, probe, traffic.OwnsCore);
            }
        }
    }

    private static bool RunRounds(Broadcast broadcast)
    {
        using var bells = new Bells(broadcast.Storage, broadcast.Owners);
        var round = new long[1];
        var acks = new long[broadcast.Owners];
        var stop = new StopFlag();
        var threads = new List<Action>
        {
            () =>
            {
                for (long r = 1; r <= broadcast.Rounds && !stop.IsSet; r++)
                {
                    Volatile.Write(ref round[0], r);
                    FenceThenRing.All(new DoorbellList(bells.SenderSide));
                    while (Race.Least(acks) < r && !stop.IsSet)
                    {
                        Thread.Yield();
                    }
                }
            },
        };

        for (int o = 0; o < broadcast.Owners; o++)
        {
            int owner = o;
            threads.Add(() =>
            {
                for (long next = 1; next <= broadcast.Rounds && !stop.IsSet;)
                {
                    if (Volatile.Read(ref round[0]) >= next)
                    {
                        Volatile.Write(ref acks[owner], next++);
                        continue;
                    }

                    _ = SpinThenPark.Await(bells.OwnerSide[owner], broadcast.Spins, null, new RoundProbe(round, next, stop), broadcast.OwnsCore);
                }
            });
        }

        Race.Run(threads, () => Race.Sum(acks), stop, bells.OwnerSide, $"{broadcast}");
        Assert.All(acks, a => Assert.Equal(broadcast.Rounds, a));
        return true;
    }

    private sealed class StopFlag
    {
        private volatile bool _set;

        public bool IsSet => _set;

        public void Set() => _set = true;
    }

    private readonly struct QueueProbe(SpscQueue<int>[] queues, StopFlag stop) : IWorkProbe
    {
        public bool HasWork()
        {
            foreach (var q in queues)
            {
                if (!q.IsEmpty)
                {
                    return true;
                }
            }

            return stop.IsSet;
        }

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }

    private readonly struct RoundProbe(long[] round, long next, StopFlag stop) : IWorkProbe
    {
        public bool HasWork() => Volatile.Read(ref round[0]) >= next || stop.IsSet;

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }

    /// <summary>Runs the threads to the end; a stall of <see cref="StallDeadline"/> stops them (every bell rung) and fails.</summary>
    private static class Race
    {
        public static void Run(List<Action> bodies, Func<long> progress, StopFlag stop, Doorbell[] ownerBells, string what)
        {
            Exception? error = null;
            var threads = bodies.Select(body => new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref error, e, null);
                    stop.Set();
                    FenceThenRing.All(new DoorbellList(ownerBells));
                }
            })
            { IsBackground = true, Name = "wake-up race" }).ToArray();
            foreach (var t in threads)
            {
                t.Start();
            }

            long seen = -1;
            var clock = Stopwatch.StartNew();
            bool stalled = false;
            foreach (var t in threads)
            {
                while (!t.Join(TimeSpan.FromMilliseconds(50)))
                {
                    long now = progress();
                    if (now != seen)
                    {
                        seen = now;
                        clock.Restart();   // the deadline is on a stall, not on the whole case: a loaded host is slow, not lossy
                    }
                    else if (clock.Elapsed > StallDeadline && !stalled)
                    {
                        stalled = true;
                        stop.Set();
                        FenceThenRing.All(new DoorbellList(ownerBells));
                    }
                }
            }

            Assert.True(error is null, $"{what}: a thread failed: {error}");
            Assert.False(stalled, $"{what}: no progress for {StallDeadline} at {seen} (a parked owner was never woken: a lost wake-up)");
        }

        /// <summary>The sum of counters other threads write, each read with acquire.</summary>
        public static long Sum(long[] counters)
        {
            long sum = 0;
            for (int i = 0; i < counters.Length; i++)
            {
                sum += Volatile.Read(ref counters[i]);
            }

            return sum;
        }

        /// <summary>The least of counters other threads write, each read with acquire.</summary>
        public static long Least(long[] counters)
        {
            long least = long.MaxValue;
            for (int i = 0; i < counters.Length; i++)
            {
                least = Math.Min(least, Volatile.Read(ref counters[i]));
            }

            return least;
        }
    }

    /// <summary>The owners' doorbells as the owners and as the senders see them (the same objects, or two mappings of one file).</summary>
    private sealed class Bells : IDisposable
    {
        private readonly string? _directory;
        private readonly MappedFile? _ownerFile;
        private readonly MappedFile? _senderFile;

        public Bells(Storage storage, int owners)
        {
            if (storage == Storage.SharedMemoryWord)
            {
                _directory = Directory.CreateTempSubdirectory("timely-wakeup-").FullName;
                string path = Path.Combine(_directory, "bells");
                _ownerFile = MappedFile.Create(path, Math.Max(4096, owners * CacheLine.Size));
                _senderFile = MappedFile.Open(path);
                OwnerSide = Over(_ownerFile.Region, owners);
                SenderSide = Over(_senderFile.Region, owners);
                return;
            }

            bool onWord = storage == Storage.InProcessWord;
            OwnerSide = Enumerable.Range(0, owners)
                .Select(_ => Doorbell.InProcess(line => new SharedDoorbell(line, 0, 8, 16, sleepOnWord: onWord, slice: null)))
                .ToArray();
            SenderSide = OwnerSide;
        }

        public Doorbell[] OwnerSide { get; }

        public Doorbell[] SenderSide { get; }

        public void Dispose()
        {
            if (_directory is null)
            {
                foreach (var bell in OwnerSide)
                {
                    bell.Dispose();
                }

                return;
            }

            _senderFile!.Dispose();
            _ownerFile!.Dispose();
            Directory.Delete(_directory, recursive: true);
        }

        private static Doorbell[] Over(MemoryRegion region, int owners) =>
            Enumerable.Range(0, owners)
                .Select(o => new Doorbell(new SharedDoorbell(region, o * CacheLine.Size, (o * CacheLine.Size) + 8, (o * CacheLine.Size) + 16, sleepOnWord: true, slice: null)))
                .ToArray();
    }
}
