using System.Runtime.CompilerServices;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Communication.Wakeup;

/// <summary>
/// One worker's wake-up word for the in-process allocators: senders ring it after they
/// publish; the owner parks on it when it has nothing to do.
/// </summary>
/// <remarks>
/// Design:
/// - <c>_state</c> is written by the owner (Awake -> Sleeping, and back) and by senders
///   (Sleeping -> Notified, by CAS so exactly one sender pays for the OS wake-up).
/// - No lost wake-up (the Dekker pair): the owner publishes Sleeping with a full fence
///   (<see cref="Interlocked.Exchange(ref int, int)"/>) and then re-checks its queues; a
///   sender publishes its item (release-store of the queue tail), issues a full fence
///   (<see cref="Interlocked.MemoryBarrier"/>), then reads the state. Either the owner's
///   re-check sees the item, or the sender's read sees Sleeping and wakes it.
/// - The fenced check is the sender's flush (<see cref="RingFenced"/>, called from
///   <c>Done()</c>/<c>Release()</c>). A push does only <see cref="RingIfSleeping"/>, a plain
///   read with no fence: it wakes a sleeping owner at once in the common case, and the
///   flush closes the rare window where the read was reordered before the publish. This
///   keeps <c>Interlocked</c> off the per-message path.
/// - The OS primitive, on Linux, is a futex on the state word itself (a
///   <see cref="SharedDoorbell"/> over a small native block, so the word never moves under
///   the kernel; the same protocol, with its word and counters there instead of in
///   <c>_state</c>/<c>_parks</c>/<c>_wakes</c>): one syscall per side and no lock. A parked
///   round trip between two in-process workers went from 341-1193 ms to 101-120 ms per 20,000
///   (perf.md §3). Elsewhere it is a
///   <see cref="ManualResetEventSlim"/> with no spinning of its own, touched only when the
///   owner really sleeps; the owner resets it before announcing Sleeping, so a stale Set from
///   an earlier round only causes one spurious, harmless return.
/// - Counters (parks, wakes) are plain fields written by one thread each and read for
///   metrics; torn reads of a long on 64-bit do not happen.
/// </remarks>
internal sealed class Doorbell : IDoorbell, IDisposable
{
    private const int Awake = 0;
    private const int Sleeping = 1;
    private const int Notified = 2;

    // Futex layout in the native block: the word, the owner's park count, the wake count.
    private const int ParksOffset = 8;
    private const int WakesOffset = 16;

    private readonly MemoryRegion? _futexBlock;
    private readonly SharedDoorbell? _futex;
    private readonly ManualResetEventSlim? _event;
    private int _state;
    private long _parks;
    private long _wakes;

    public Doorbell()
        : this(SharedDoorbell.SleepsInKernel)
    {
    }

    /// <summary>With <paramref name="futex"/> false, the portable path (tests run it on Linux too).</summary>
    internal Doorbell(bool futex)
    {
        if (futex)
        {
            _futexBlock = MemoryRegion.Allocate(Timely.Bytes.CacheLine.Size);
            _futex = new SharedDoorbell(_futexBlock, 0, ParksOffset, WakesOffset);
        }
        else
        {
            _event = new ManualResetEventSlim(false, 0);
        }
    }

    /// <summary>Times the owner went to sleep (owner-written).</summary>
    public long Parks => _futex?.Parks ?? Volatile.Read(ref _parks);

    /// <summary>OS wake-ups sent to the owner (written by senders with Interlocked).</summary>
    public long Wakes => _futex?.Wakes ?? Volatile.Read(ref _wakes);

    /// <summary>Sender, per push: wakes the owner if it is visibly asleep. No fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingIfSleeping()
    {
        if (_futex is { } futex)
        {
            futex.RingIfSleeping();
        }
        else if (Volatile.Read(ref _state) == Sleeping)
        {
            Wake();
        }
    }

    /// <summary>Sender, at a flush: full fence after the publishes, then wake if asleep.</summary>
    public void RingFenced()
    {
        Interlocked.MemoryBarrier();
        RingIfSleeping();
    }

    /// <summary>
    /// Sender, at a flush of several targets: the caller issued one
    /// <see cref="Interlocked.MemoryBarrier"/> after all its publishes; wake if asleep.
    /// </summary>
    public void RingAfterFence() => RingIfSleeping();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Wake()
    {
        if (Interlocked.CompareExchange(ref _state, Notified, Sleeping) == Sleeping)
        {
            Interlocked.Increment(ref _wakes);
            _event!.Set();
        }
    }

    /// <summary>
    /// Owner: sleeps until rung or <paramref name="timeout"/> passes, unless
    /// <paramref name="hasWork"/> (re-checked after announcing sleep) says there is work.
    /// </summary>
    public ParkOutcome Park<TState>(TimeSpan? timeout, Func<TState, bool> hasWork, TState state)
    {
        if (_futex is { } futex)
        {
            return futex.Park(timeout, hasWork, state) switch
            {
                0 => ParkOutcome.DidNotSleep,
                1 => ParkOutcome.Woken,
                _ => ParkOutcome.TimedOut,
            };
        }

        _event!.Reset();
        Interlocked.Exchange(ref _state, Sleeping);
        if (hasWork(state))
        {
            Volatile.Write(ref _state, Awake);
            return ParkOutcome.DidNotSleep;
        }

        _parks++;
        bool signalled = timeout is { } t ? _event.Wait(t) : _event.Wait(System.Threading.Timeout.Infinite);
        Volatile.Write(ref _state, Awake);
        return signalled ? ParkOutcome.Woken : ParkOutcome.TimedOut;
    }

    public void Dispose()
    {
        _futexBlock?.Dispose();
        _event?.Dispose();
    }
}
