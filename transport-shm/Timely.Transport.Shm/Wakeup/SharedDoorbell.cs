using System.Runtime.CompilerServices;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Wakeup;

/// <summary>
/// A worker's wake-up word: senders ring it after they publish; the owner parks on it when it
/// has nothing to do. The one doorbell state machine of Timely.Native, over a word in either
/// kind of storage: a line of a <see cref="ControlBlock"/> (a shared-memory word, rung from
/// any process of the job) or a line of this process's own memory
/// (<see cref="MemoryRegion.Allocate"/>: an in-process word, rung only by this process's
/// threads; the engine's in-process allocators park on those).
/// </summary>
// Design:
// - The word and its counters live in the region, never in fields of this object: for a
//   shared-memory word other processes read and write them through their own mappings, and
//   a futex needs a word whose address never moves. Every field here is readonly, set at
//   construction, so any thread may hold this object; the one mutable field, _rung (the
//   monitor path's "a sender won the CAS"), is read and written only under _gate.
// - States: Awake -> Sleeping is the owner's (a full fence, Interlocked.Exchange), back to
//   Awake the owner's too (after waking); Sleeping -> Notified is a sender's, by CAS, so
//   exactly one sender pays for the wake. Interlocked on a mapped word is atomic across
//   processes: cache coherence is per physical line, not per address space.
// - No lost wake-up (the Dekker pair). Owner: store Sleeping with a full fence, then look
//   for work (hasWork). Sender: publish (release-store of a ring header or queue tail), full
//   fence, then read the word (RingAfterFence after the caller's fence, or RingFenced). Either
//   the owner's look sees the publish, or the sender's read sees Sleeping and wakes it. The
//   sleep itself closes the window between the look and the syscall: FUTEX_WAIT sleeps only
//   while the word still holds Sleeping, and the event is set only after the CAS, so a
//   Notified written in between makes the sleep return at once.
// - Per push, RingIfSleeping is a plain read with no fence: it wakes a visibly sleeping
//   owner at once in the common case, and the flush's fenced ring covers a read that was
//   reordered before the publish. This keeps Interlocked off the per-message path.
// - How the owner sleeps depends on the storage only where the kernel has no futex. With a
//   futex (Linux x64/Arm64) both storages sleep on the word itself: one syscall per side, no
//   lock. Elsewhere a shared-memory word is polled in Futex.FallbackSlice slices (no event
//   reaches another process), and an in-process word sleeps on a monitor (_gate), touched only
//   when the owner really sleeps; a stale pulse from an earlier round (a sender that lost the
//   race to a timeout) only costs one more look at the word. The monitor belongs to this
//   object, so the senders of such a word ring through the owner's object, as every
//   in-process sender does.
// - Bounded sleep (_slice): the owner sleeping on the word never sleeps longer than MaxSleep
//   at a time. A shared word scribbled on while it sleeps (no FUTEX_WAKE comes then) or a
//   failure whose ring was lost would otherwise park it forever. At each such deadline it
//   first calls Verify (its file's length and header, before it reads the word again: the
//   mapping beyond a truncated file's end raises SIGBUS), then re-reads the word and asks
//   hasWork again, which is where the engine polls for failures. Only this process's threads
//   can change an in-process word on the monitor, and each rings it: no bound there.
// - Counters: parks are written by the owner only (a volatile store, read by metrics);
//   wakes are incremented with Interlocked by senders, in any process, so metrics in the
//   owner's process see the wakes other processes sent.
// - A word that holds no doorbell state is corruption: Park throws InvalidDataException
//   (through Verify, which names the file when there is one).
// - One owner thread parks; any number of threads, in any process, ring.
public sealed class SharedDoorbell
{
    /// <summary>The longest one sleep of <see cref="Park"/> on the word lasts before the owner re-checks its file and its work.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(100);

    private const int Awake = 0;
    private const int Sleeping = 1;
    private const int Notified = 2;

    /// <summary>What <see cref="Park"/> returns, as the engine's <c>ParkOutcome</c> reads it.</summary>
    private enum ParkResult
    {
        DidNotSleep = 0,
        Woken = 1,
        TimedOut = 2,
    }

    private readonly MemoryRegion _region;
    private readonly long _wordOffset;
    private readonly long _parksOffset;
    private readonly long _wakesOffset;
    private readonly TimeSpan? _slice;   // longest single sleep; null: up to the timeout
    private readonly object? _gate;      // an in-process word without a futex: the owner waits here
    private bool _rung;                  // under _gate: a sender won the CAS since the owner last looked

    /// <summary>
    /// A doorbell whose word, parks and wakes are at the given offsets of <paramref name="region"/>:
    /// an in-process word when the region is this process's own memory
    /// (<see cref="MemoryRegion.OwnsMemory"/>), a shared-memory word otherwise.
    /// </summary>
    public SharedDoorbell(MemoryRegion region, long wordOffset, long parksOffset, long wakesOffset)
        : this(region, wordOffset, parksOffset, wakesOffset, SleepsOnWord(region), SleepsOnWord(region) ? MaxSleep : null)
    {
    }

    /// <summary>
    /// With <paramref name="sleepOnWord"/> false, the owner sleeps on a monitor (the in-process
    /// path of a platform without a futex; tests run it on Linux too). <paramref name="slice"/>
    /// bounds one sleep (null: no bound; tests pass null so that a lost wake-up is a hang, not
    /// a late wake at the next deadline).
    /// </summary>
    internal SharedDoorbell(MemoryRegion region, long wordOffset, long parksOffset, long wakesOffset, bool sleepOnWord, TimeSpan? slice)
    {
        ArgumentNullException.ThrowIfNull(region);
        _region = region;
        _wordOffset = wordOffset;
        _parksOffset = parksOffset;
        _wakesOffset = wakesOffset;
        _ = region.Int32At(wordOffset);
        _ = region.Int64At(parksOffset);
        _ = region.Int64At(wakesOffset);
        _gate = sleepOnWord ? null : new object();
        _slice = slice;
    }

    /// <summary>
    /// Checks the memory this doorbell lives in (for a control file: its length, header and
    /// words), throwing <see cref="InvalidDataException"/> naming it; called at each
    /// <see cref="MaxSleep"/> deadline of a park. Null: nothing to check.
    /// </summary>
    public Action? Verify { get; init; }

    /// <summary>Whether <paramref name="word"/> is a value a doorbell word can hold.</summary>
    public static bool IsDoorbellState(int word) => word is Awake or Sleeping or Notified;

    /// <summary>Whether a parked owner sleeps in the kernel on its word (a futex, Linux); elsewhere a shared-memory word is polled in 1 ms slices and an in-process word sleeps on a monitor.</summary>
    public static bool SleepsInKernel => Futex.IsSupported;

    /// <summary>Times the owner slept.</summary>
    public long Parks => Volatile.Read(ref _region.Int64At(_parksOffset));

    /// <summary>Wakes sent to the owner, from every process.</summary>
    public long Wakes => Volatile.Read(ref _region.Int64At(_wakesOffset));

    /// <summary>True while the owner has announced sleep.</summary>
    public bool IsSleeping => Volatile.Read(ref _region.Int32At(_wordOffset)) == Sleeping;

    /// <summary>Sender, per push: wakes the owner if visibly asleep. No fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingIfSleeping()
    {
        if (Volatile.Read(ref _region.Int32At(_wordOffset)) == Sleeping)
        {
            Wake();
        }
    }

    /// <summary>Sender, after its own full fence following its publishes: wake if asleep.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingAfterFence() => RingIfSleeping();

    /// <summary>Sender, on its own: full fence, then wake if asleep.</summary>
    public void RingFenced()
    {
        Interlocked.MemoryBarrier();
        RingIfSleeping();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Wake()
    {
        ref int word = ref _region.Int32At(_wordOffset);
        if (Interlocked.CompareExchange(ref word, Notified, Sleeping) == Sleeping)
        {
            Interlocked.Increment(ref _region.Int64At(_wakesOffset));
            if (_gate is null)
            {
                Futex.Wake(ref word);
            }
            else
            {
                Pulse(_gate);
            }
        }
    }

    /// <summary>
    /// Owner: sleeps until rung or <paramref name="timeout"/> (null: no limit) passes, unless
    /// <paramref name="hasWork"/>, re-checked after announcing sleep and at every
    /// <see cref="MaxSleep"/> deadline, finds work. Returns 0 when it did not sleep, 1 when
    /// woken (or work was found at a deadline), 2 when the timeout passed.
    /// </summary>
    /// <exception cref="InvalidDataException">The word or its file is corrupt (the message names the file).</exception>
    public int Park<TState>(TimeSpan? timeout, Func<TState, bool> hasWork, TState state)
    {
        ArgumentNullException.ThrowIfNull(hasWork);
        ref int word = ref _region.Int32At(_wordOffset);
        int before = Interlocked.Exchange(ref word, Sleeping);
        if (before != Awake)
        {
            ThrowCorrupt(before);   // only the owner leaves the word, and it leaves it Awake
        }

        if (hasWork(state))
        {
            Volatile.Write(ref word, Awake);
            return (int)ParkResult.DidNotSleep;
        }

        ref long parks = ref _region.Int64At(_parksOffset);
        Volatile.Write(ref parks, parks + 1);
        long start = Environment.TickCount64;
        var result = ParkResult.Woken;
        while (true)
        {
            int now = Volatile.Read(ref word);
            if (now != Sleeping)
            {
                if (now != Notified)
                {
                    ThrowCorrupt(now);
                }

                break;
            }

            TimeSpan? slice = _slice;
            if (timeout is { } t)
            {
                var left = t - TimeSpan.FromMilliseconds(Environment.TickCount64 - start);
                if (left <= TimeSpan.Zero)
                {
                    result = ParkResult.TimedOut;
                    break;
                }

                slice = slice is { } s && s < left ? s : left;
            }

            bool rung = _gate is null ? Futex.Wait(ref word, Sleeping, slice) : WaitForPulse(_gate, slice);
            if (!rung)
            {
                // A deadline: check the file before touching the word again, then the work.
                Verify?.Invoke();
                if (Volatile.Read(ref word) == Sleeping && hasWork(state))
                {
                    break;
                }
            }
        }

        Volatile.Write(ref word, Awake);
        return (int)result;
    }

    /// <summary>Sender, on the monitor path, after winning the CAS.</summary>
    private void Pulse(object gate)
    {
        lock (gate)
        {
            _rung = true;
            Monitor.Pulse(gate);
        }
    }

    /// <summary>Owner, on the monitor path: false when <paramref name="slice"/> passed with no pulse.</summary>
    private bool WaitForPulse(object gate, TimeSpan? slice)
    {
        lock (gate)
        {
            if (!_rung)
            {
                Monitor.Wait(gate, slice ?? Timeout.InfiniteTimeSpan);
            }

            bool rung = _rung;
            _rung = false;
            return rung;
        }
    }

    private static bool SleepsOnWord(MemoryRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return Futex.IsSupported || !region.OwnsMemory;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCorrupt(int word)
    {
        Verify?.Invoke();   // names the file when this is a control file's word
        throw new InvalidDataException($"a doorbell word holds 0x{word:x8}, not a doorbell state.");
    }
}
