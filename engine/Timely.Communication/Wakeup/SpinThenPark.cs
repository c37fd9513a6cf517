using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The owner's half of the wake-up protocol when it runs out of work, written once: look for
/// work a bounded number of times (the spin budget, <see cref="Config.SpinIterations"/>),
/// pausing between looks, then park on its doorbell, which looks once more after announcing
/// sleep, so nothing published before the senders' fence is slept past.
/// </summary>
// Design:
// - Owner thread only: nothing here is shared (SpinOrPark's spinner is the caller's). The senders' side is FenceThenRing; Doorbell.Park holds the Dekker pair.
// - Spinning looks the way SpinWait.SpinOnce(sleep1Threshold: -1) paces its iterations: its first
//   PauseOnlySpins only pause, growing to about LongPause units of Thread.SpinWait; after them
//   it alternates a yield and a LongPause pause, and never sleeps 1 ms, so a worker that spins
//   is at most one yield late for a message. Where SpinOnce would make those first pause-only
//   iterations, BackToBackLooks looks come one Thread.SpinWait(1) apart instead, as a raw ring's
//   consumer polls, for about the same pause in all: a message between two workers that both
//   spin lands within a microsecond or so, and behind SpinOnce's grown pauses it waited for the
//   current one to end, on each side of a round trip (shm-bench's ring round trip went from 335
//   to 483 ns when both sides backed off from the first look; perf.md, the hop layer by layer).
//   The first yield comes at about the same time as before, so a waiter leaves a contended core
//   as soon as it did: a tight phase that only added looks in front of SpinOnce's delayed every yield and
//   measured slower round trips between unpinned workers on a loaded host.
// - One processor: every look yields, as SpinOnce does there (the peer needs the core).
// - The owner says what work is through a struct (IWorkProbe), so each allocator gets its own
//   compiled copy and each look between spins is a direct call. The park's look, after the
//   doorbell announces sleep, goes through one delegate per probe type (Looks), made once.
internal static class SpinThenPark
{
    /// <summary>Looks made one short pause apart in place of the spin budget's first <see cref="PauseOnlySpins"/> iterations.</summary>
    internal const int BackToBackLooks = 40;

    /// <summary>How many of the budget's first iterations only pause (as in <see cref="SpinWait.SpinOnce(int)"/>); the back-to-back looks stand for them.</summary>
    internal const int PauseOnlySpins = 10;

    /// <summary>The pause between the later looks that do not yield, in <see cref="Thread.SpinWait(int)"/> units (SpinOnce's longest).</summary>
    private const int LongPause = 7;

    private static readonly bool OneProcessor = Environment.ProcessorCount == 1;

    /// <summary>
    /// Owner: returns at once when <paramref name="probe"/> finds work within the spin budget's
    /// looks (none for a budget of 0; else <see cref="BackToBackLooks"/>, then one per iteration
    /// past the first <see cref="PauseOnlySpins"/>, each after a yield or a long pause; on one
    /// processor, one per iteration, each after a yield); otherwise parks on <paramref name="bell"/>
    /// until rung or the timeout <see cref="IWorkProbe.BeforePark"/> gives passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Await<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        if (spins > 0 && !OneProcessor && LookBackToBack(probe))
        {
            return;
        }

        for (int i = OneProcessor ? 0 : PauseOnlySpins; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return;
            }

            if (OneProcessor || ((i - PauseOnlySpins) & 1) == 0)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(LongPause);
            }
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
    }


    /// <summary>
    /// Owner, one idle step of a wait loop of its own: a pause while <paramref name="spinner"/>
    /// has spun fewer than <paramref name="spins"/> times, a park (bounded by
    /// <paramref name="timeout"/>) after that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SpinOrPark<TProbe>(ref SpinWait spinner, Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        if (spinner.Count < spins)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        else
        {
            bell.Park(timeout, Looks<TProbe>.HasWork, probe);
        }
    }

    /// <summary>Whether <paramref name="probe"/> finds work within <see cref="BackToBackLooks"/> looks, one <c>Thread.SpinWait(1)</c> apart.</summary>
    private static bool LookBackToBack<TProbe>(TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        for (int i = 0; i < BackToBackLooks; i++)
        {
            if (probe.HasWork())
            {
                return true;
            }

            Thread.SpinWait(1);
        }

        return false;
    }

    /// <summary>The park's look for <typeparamref name="TProbe"/>, made once per probe type.</summary>
    private static class Looks<TProbe>
        where TProbe : struct, IWorkProbe
    {
        public static readonly Func<TProbe, bool> HasWork = static probe => probe.HasWork();
    }
}
