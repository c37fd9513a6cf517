using System.Runtime.CompilerServices;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Wakeup;

/// <summary>
/// A worker's wake-up word in shared memory (a <see cref="ControlBlock"/> worker line):
/// senders in any process ring it after they publish; the owner parks on it with a futex
/// when it has nothing to do. The engine adapts it to its <c>IDoorbell</c>.
/// </summary>
/// <remarks>
/// Design (the engine's <c>Doorbell</c> protocol, across processes):
/// - The word is written by the owner (Awake -> Sleeping with a full fence, back to Awake
///   after waking) and by senders (Sleeping -> Notified by CAS, so one sender pays for the
///   syscall). <see cref="Interlocked"/> on a mapped word is atomic across processes: the
///   cache coherence is per physical line, not per address space.
/// - No lost wake-up (the Dekker pair): the owner publishes Sleeping with a full fence
///   (<see cref="Interlocked.Exchange(ref int, int)"/>) and then re-checks its rings; a sender
///   release-stores the ring tail, issues a full fence (the caller's, before
///   <see cref="RingAfterFence"/>), then reads the word. Either the owner's re-check sees
///   the record, or the sender sees Sleeping and wakes it. The futex itself closes the
///   remaining window: FUTEX_WAIT sleeps only if the word still holds Sleeping, so a
///   Notified written between the re-check and the syscall makes the wait return at once.
/// - Per push, <see cref="RingIfSleeping"/> is a plain read with no fence; the flush's
///   fenced check covers a read that was reordered before the publish.
/// - Parks and wakes are counters in the same worker line (parks written by the owner
///   only; wakes incremented with Interlocked by senders in any process), so metrics in the
///   owner's process see the wakes other processes sent.
/// - Bounded sleep: the owner never sleeps longer than <see cref="MaxSleep"/> at a time. A
///   word scribbled on while it sleeps (no FUTEX_WAKE comes then) or a failure whose ring
///   was lost would otherwise park it forever. At each such deadline it first calls
///   <see cref="Verify"/> (its file's length and header, before it reads the word again:
///   the mapping beyond a truncated file's end raises SIGBUS), then re-reads the word and
///   asks <c>hasWork</c> again, which is where the engine polls for failures.
/// - A word that holds no doorbell state is corruption: <see cref="Park"/> throws
///   <see cref="InvalidDataException"/> (through <see cref="Verify"/>, which names the file).
/// - Not thread-safe for the owner side: one owner thread parks.
/// </remarks>
public sealed class SharedDoorbell
{
    private const int Awake = 0;
    private const int Sleeping = 1;
    private const int Notified = 2;

    private readonly MemoryRegion _region;
    private readonly long _wordOffset;
    private readonly long _parksOffset;
    private readonly long _wakesOffset;

    /// <summary>A doorbell whose word, parks and wakes are at the given offsets of <paramref name="region"/>.</summary>
    public SharedDoorbell(MemoryRegion region, long wordOffset, long parksOffset, long wakesOffset)
    {
        ArgumentNullException.ThrowIfNull(region);
        _region = region;
        _wordOffset = wordOffset;
        _parksOffset = parksOffset;
        _wakesOffset = wakesOffset;
        _ = region.Int32At(wordOffset);
        _ = region.Int64At(parksOffset);
        _ = region.Int64At(wakesOffset);
    }

    /// <summary>The longest one futex sleep of <see cref="Park"/> lasts before the owner re-checks its file and its work.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Checks the memory this doorbell lives in (for a control file: its length, header and
    /// words), throwing <see cref="InvalidDataException"/> naming it; called at each
    /// <see cref="MaxSleep"/> deadline of a park. Null: nothing to check.
    /// </summary>
    public Action? Verify { get; init; }

    /// <summary>Whether <paramref name="word"/> is a value a doorbell word can hold.</summary>
    public static bool IsDoorbellState(int word) => word is Awake or Sleeping or Notified;

    /// <summary>Whether a parked owner sleeps in the kernel (a futex, Linux); elsewhere it polls in 1 ms slices.</summary>
    public static bool SleepsInKernel => Futex.IsSupported;

    /// <summary>Times the owner slept.</summary>
    public long Parks => Volatile.Read(ref _region.Int64At(_parksOffset));

    /// <summary>Futex wakes sent to the owner, from every process.</summary>
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
            Futex.Wake(ref word);
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
            return 0;
        }

        ref long parks = ref _region.Int64At(_parksOffset);
        Volatile.Write(ref parks, parks + 1);
        long start = Environment.TickCount64;
        int result = 1;
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

            TimeSpan slice = MaxSleep;
            if (timeout is { } t)
            {
                var left = t - TimeSpan.FromMilliseconds(Environment.TickCount64 - start);
                if (left <= TimeSpan.Zero)
                {
                    result = 2;
                    break;
                }

                slice = left < slice ? left : slice;
            }

            if (!Futex.Wait(ref word, Sleeping, slice))
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
        return result;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCorrupt(int word)
    {
        Verify?.Invoke();   // names the file when this is a control file's word
        throw new InvalidDataException($"a doorbell word holds 0x{word:x8}, not a doorbell state.");
    }
}
