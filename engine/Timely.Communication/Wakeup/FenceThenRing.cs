using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The sending half of the wake-up protocol, written once: after its publishes a sender issues
/// one full fence, then reads the doorbell of every target it published to and wakes those
/// that sleep. Every flush, failure and finish of the engine rings through here.
/// </summary>
// Design:
// - Why one fence and then the reads: a parking owner stores Sleeping with a full fence and then
//   looks for work; a sender publishes, fences, then reads the word. Of the two, at least one
//   sees the other's store, so either the owner finds the message or the sender finds the owner
//   asleep and wakes it (Doorbell, SharedDoorbell). One fence covers every publish before it,
//   so a flush to many targets pays for one.
// - No state: the caller owns its flags and its bells. A flag (bool[], one per target) is set
//   by the sender's own thread at each push and cleared here, on the same thread, after the
//   fence and just before that target's bell is read; plain fields, no other thread reads them.
// - Nothing to flush (no flag set) costs no fence: a Release with no push since the last is
//   one pass over the flags.
// - The bells come as a struct (IBellList) so the JIT compiles one copy per kind and calls
//   each bell directly: the in-process allocator's sealed Doorbell inlines to one load and a
//   compare per target, with no interface dispatch.
internal static class FenceThenRing
{
    /// <summary>Sender, at a flush: if any flag is set, one full fence, then each flagged target's bell (its flag cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Flagged<TBells>(bool[] flagged, TBells bells)
        where TBells : struct, IBellList
    {
        if (AnySet(flagged))
        {
            RingFlagged(flagged, bells);
        }
    }

    /// <summary>After a publish every owner must see (a failure, a finished worker): one full fence, then every bell.</summary>
    public static void All<TBells>(TBells bells)
        where TBells : struct, IBellList
    {
        Interlocked.MemoryBarrier();
        for (int i = 0; i < bells.Count; i++)
        {
            bells.RingAfterFence(i);
        }
    }

    /// <summary>Sender, after a publish to one target: one full fence, then its bell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void One(Doorbell bell) => bell.RingFenced();

    /// <summary>Sender, after a publish to one target (a worker's doorbell or a TCP send path): one full fence, then its bell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void One(IWakeTarget bell)
    {
        Interlocked.MemoryBarrier();
        bell.RingAfterFence();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AnySet(bool[] flagged)
    {
        bool any = false;
        for (int t = 0; t < flagged.Length; t++)
        {
            any |= flagged[t];
        }

        return any;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RingFlagged<TBells>(bool[] flagged, TBells bells)
        where TBells : struct, IBellList
    {
        Interlocked.MemoryBarrier();
        for (int t = 0; t < flagged.Length; t++)
        {
            if (flagged[t])
            {
                flagged[t] = false;
                bells.RingAfterFence(t);
            }
        }
    }
}
