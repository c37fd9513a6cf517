using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The owner's half of the wake-up protocol when it runs out of work, written once: look for
/// work a bounded number of times (the spin budget, <see cref="Config.SpinIterations"/>),
/// pausing between looks, then park on its doorbell, which looks once more after announcing
/// sleep, so nothing published before the senders' fence is slept past.
/// </summary>
// Design:
// - Owner thread only: the spinner is a local (or the caller's, for SpinOrPark) and nothing
//   here is shared. The senders' side is FenceThenRing; Doorbell.Park holds the Dekker pair.
// - Await looks once per unit of Thread.SpinWait (its normalized pause) for as long as the
//   pause-only part of SpinWait.SpinOnce would pause (its first ten calls: 1, 2, 4, then 7 units
//   each, 56 in all), then goes on as SpinOnce(sleep1Threshold: -1) does from its eleventh call:
//   a yield, then a pause of 7 units, and so on (every fifth yield a Sleep(0)), never sleeping
//   1 ms, so a worker that spins is at most one yield late for a message. SpinOnce itself looked
//   1, 2, 4 and then 7 units apart, so a message that landed during a pause waited for its end,
//   on each side of a round trip; one unit apart, the first yield still comes as late as before.
//   SpinOrPark, the step of a loop of the caller's own, backs off with SpinOnce as it is.
// - The owner says what work is through a struct (IWorkProbe), so each allocator gets its own
//   compiled copy and each look between spins is a direct call. The park's look, after the
//   doorbell announces sleep, goes through one delegate per probe type (Looks), made once.
internal static class SpinThenPark
{
    /// <summary>
    /// Owner: returns at once when <paramref name="probe"/> finds work within
    /// <paramref name="spins"/> looks; otherwise parks on <paramref name="bell"/> until rung or
    /// the timeout <see cref="IWorkProbe.BeforePark"/> gives passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Await<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        int units = PauseUnits(Math.Min(spins, PauseOnlySpins));
        for (int u = 0; u < units; u++)
        {
            if (probe.HasWork())
            {
                return;
            }

            Thread.SpinWait(1);
        }

        for (int i = PauseOnlySpins; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return;
            }

            YieldOrPause(i - PauseOnlySpins);
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
    }

    /// <summary>How many of <see cref="SpinWait.SpinOnce(int)"/>'s first calls only pause: it yields from the eleventh on.</summary>
    internal const int PauseOnlySpins = 10;

    /// <summary>The pause, in <see cref="Thread.SpinWait"/> units, of the <paramref name="spins"/> first (pause-only) calls of <see cref="SpinWait.SpinOnce(int)"/> together: 1, 2, 4, then 7 each.</summary>
    internal static int PauseUnits(int spins)
    {
        int units = 0;
        for (int i = 0; i < spins; i++)
        {
            units += Math.Min(1 << i, MaxPauseUnits);
        }

        return units;
    }

    // SpinWait's longest pause (what the runtime measured as optimal on this guest; perf.md's hop section).
    private const int MaxPauseUnits = 7;

    // The (PauseOnlySpins + step)-th call of SpinOnce(sleep1Threshold: -1): even steps yield (every fifth a Sleep(0)), odd ones pause.
    private static void YieldOrPause(int step)
    {
        if ((step & 1) != 0)
        {
            Thread.SpinWait(MaxPauseUnits);
        }
        else if ((step >> 1) % 5 == 4)
        {
            Thread.Sleep(0);
        }
        else
        {
            Thread.Yield();
        }
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

    /// <summary>The park's look for <typeparamref name="TProbe"/>, made once per probe type.</summary>
    private static class Looks<TProbe>
        where TProbe : struct, IWorkProbe
    {
        public static readonly Func<TProbe, bool> HasWork = static probe => probe.HasWork();
    }
}
