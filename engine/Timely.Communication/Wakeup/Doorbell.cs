using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Communication.Wakeup;

/// <summary>
/// One worker's doorbell as the engine uses it: the wake target its senders ring after they
/// publish, and the word it parks on when it has nothing to do. The state machine is
/// <see cref="SharedDoorbell"/>'s, over either storage: an in-process word
/// (<see cref="InProcess()"/>, for the in-process allocators and the TCP send threads) or a
/// worker's word in its control file (a shared-memory job).
/// </summary>
// Design:
// - No state of its own: every call forwards to the one SharedDoorbell, whose Design comment
//   gives the protocol (the Dekker pair, the unfenced per-push ring, the fenced flush). Both
//   fields are readonly and set at construction, so any thread may ring.
// - _owned is the in-process word's cache line (word at 0, parks at 8, wakes at 16), this
//   process's own memory, freed by Dispose once every thread that rings or parks has stopped;
//   null for a control file's word, which the job directory owns. Dispose keeps the two counts,
//   so metrics of an allocator that ends after its fabric still read them.
// - Sealed and called directly by the allocators and the in-process pushers, so a per-push
//   RingIfSleeping inlines down to one load of the word and a compare.
internal sealed class Doorbell : IWakeTarget, IDisposable
{
    private const int WordOffset = 0;
    private const int ParksOffset = 8;
    private const int WakesOffset = 16;

    private readonly SharedDoorbell _bell;
    private readonly MemoryRegion? _owned;

    // The counts as they stood when the owned line was freed: an allocator built or disposed
    // after its fabric ended still reports them (metrics read them at its end).
    private long _parksAtEnd;
    private long _wakesAtEnd;
    private volatile bool _freed;

    /// <summary>A worker's word in its control file (owned by the job).</summary>
    public Doorbell(SharedDoorbell bell)
        : this(bell, null)
    {
    }

    private Doorbell(SharedDoorbell bell, MemoryRegion? owned)
    {
        _bell = bell;
        _owned = owned;
    }

    /// <summary>Times the owner went to sleep.</summary>
    public long Parks => _freed ? _parksAtEnd : _bell.Parks;

    /// <summary>Wake-ups sent to the owner.</summary>
    public long Wakes => _freed ? _wakesAtEnd : _bell.Wakes;

    /// <summary>An in-process word: one cache line of this process's memory, freed by <see cref="Dispose"/>.</summary>
    public static Doorbell InProcess()
    {
        var line = MemoryRegion.Allocate(CacheLine.Size);
        return new Doorbell(new SharedDoorbell(line, WordOffset, ParksOffset, WakesOffset), line);
    }

    /// <summary>
    /// An in-process word with its sleep chosen by the caller (tests): <paramref name="make"/>
    /// builds the state machine over the line it is given, at offsets 0, 8 and 16.
    /// </summary>
    internal static Doorbell InProcess(Func<MemoryRegion, SharedDoorbell> make)
    {
        var line = MemoryRegion.Allocate(CacheLine.Size);
        return new Doorbell(make(line), line);
    }

    /// <summary>Sender, per push: wakes the owner if it is visibly asleep. No fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingIfSleeping() => _bell.RingIfSleeping();

    /// <summary>Sender, at a flush, after its own full fence following the publishes: wake if asleep.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingAfterFence() => _bell.RingAfterFence();

    /// <summary>Sender, on its own: full fence after the publishes, then wake if asleep.</summary>
    public void RingFenced() => _bell.RingFenced();

    /// <summary>
    /// Owner: sleeps until rung or <paramref name="timeout"/> passes, unless
    /// <paramref name="hasWork"/> (re-checked after announcing sleep) says there is work.
    /// </summary>
    public ParkOutcome Park<TState>(TimeSpan? timeout, Func<TState, bool> hasWork, TState state) =>
        (ParkOutcome)_bell.Park(timeout, hasWork, state);

    /// <summary>Frees the in-process line (a control file's word belongs to its job); the counts stay readable.</summary>
    public void Dispose()
    {
        if (_owned is null || _freed)
        {
            return;
        }

        _parksAtEnd = _bell.Parks;
        _wakesAtEnd = _bell.Wakes;
        _freed = true;
        _owned.Dispose();
    }
}
