using System.Reflection;
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
//   pause-only part of SpinWait.SpinOnce would pause (its first ten calls: 1, 2, 4, then the
//   runtime's longest pause each, 7 units on the guest of perf.md's hop section, 56 in all), then
//   calls SpinOnce(sleep1Threshold: -1) on a spinner that has made those ten calls, so it goes on
//   as SpinOnce does from its eleventh: a yield, then a longest pause, and so on (every fifth
//   yield a Sleep(0)), never sleeping 1 ms, so a worker that spins is at most one yield late for
//   a message. SpinOnce itself looked 1, 2, 4 and then 7 units apart, so a message that landed
//   during a pause waited for its end, on each side of a round trip; one unit apart, the first
//   yield still comes as late as before. The sum of the ten pauses is computed once per process.
//   A runtime that does not say its longest pause gets SpinOnce's own back-off from the first
//   look (the wait as it was before the one-unit looks), not a guessed constant.
//   SpinOrPark, the step of a loop of the caller's own, backs off with SpinOnce as it is.
// - A worker that owns its core (Allocator.OwnsCore: pinned, and no other worker of the job
//   pinned to the same core) skips the yields and Sleep(0)s of that phase, pausing the
//   runtime's longest pause between its looks instead: the same number of looks before the park.
//   Unpinned workers keep the yields: the suite's unpinned roundtrip rows were 1.5x slower when
//   the first yield came 3 µs later (perf.md §17, the levers table).
// - The owner says what work is through a struct (IWorkProbe), so each allocator gets its own
//   compiled copy and each look between spins is a direct call. The park's look, after the
//   doorbell announces sleep, goes through one delegate per probe type (Looks), made once.
internal static class SpinThenPark
{
    /// <summary>
    /// Owner: returns at once when <paramref name="probe"/> finds work within
    /// <paramref name="spins"/> looks; otherwise parks on <paramref name="bell"/> until rung or
    /// the timeout <see cref="IWorkProbe.BeforePark"/> gives passes. A worker that
    /// <paramref name="ownsCore"/> (pinned to a core no other worker of its job is pinned to)
    /// makes the same looks but never yields between them: it pauses as long as the yield
    /// phase's pauses instead. Returns the yields it made (for tests and counters).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Await<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe, bool ownsCore = false)
        where TProbe : struct, IWorkProbe
    {
        int units = spins >= PausedSpins ? PausedUnits : PauseUnits(spins);
        for (int u = 0; u < units; u++)
        {
            if (probe.HasWork())
            {
                return 0;
            }

            Thread.SpinWait(1);
        }

        return ownsCore ? LookOnOwnCore(bell, spins, timeout, probe) : LookAndYield(bell, spins, timeout, probe);
    }

    // After the one-unit looks, a worker that shares its core: SpinOnce's own phase (a yield,
    // a longest pause, ...), so a thread that would answer on this core gets it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LookAndYield<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        int yields = 0;
        SpinWait spinner = AfterPauses;
        for (int i = PausedSpins; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return yields;
            }

            yields += spinner.NextSpinWillYield ? 1 : 0;
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
        return yields;
    }

    // After the one-unit looks, a worker that owns its core: the same looks, each after the
    // runtime's longest pause (what SpinOnce pauses between its yields), and no yield. On a core
    // of its own a yield finds no thread of this job to run: what it can hand the core to is
    // another process, which under EEVDF keeps it for a slice while this worker stays runnable
    // with its deadline pushed back, so a message that lands meanwhile waits for milliseconds
    // (perf.md §17: in a pinned netbench on the shared host, most of the workers' off-core
    // spells began at a sched_yield of this wait). The park after the budget still bounds the spin.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LookOnOwnCore<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        int pause = Math.Max(1, MaxPauseUnits);
        for (int i = PausedSpins; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return 0;
            }

            Thread.SpinWait(pause);
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
        return 0;
    }

    /// <summary>How many of <see cref="SpinWait.SpinOnce(int)"/>'s first calls only pause: it yields from the eleventh on.</summary>
    internal const int PauseOnlySpins = 10;

    /// <summary>
    /// The runtime's longest pause of <see cref="SpinWait.SpinOnce(int)"/>, in
    /// <see cref="Thread.SpinWait"/> units, read once per process; 0 when this runtime does not
    /// say, and then the wait backs off with <see cref="SpinWait.SpinOnce(int)"/> from its first look.
    /// </summary>
    internal static readonly int MaxPauseUnits = ReadMaxPauseUnits();

    /// <summary>How many of <see cref="SpinWait.SpinOnce(int)"/>'s first calls <see cref="Await{TProbe}"/> replaces by one-unit looks: <see cref="PauseOnlySpins"/>, or 0 when <see cref="MaxPauseUnits"/> is unknown.</summary>
    internal static readonly int PausedSpins = MaxPauseUnits > 0 ? PauseOnlySpins : 0;

    // The looks of a wait with a budget of at least PausedSpins, before its first yield (56 where the longest pause is 7).
    private static readonly int PausedUnits = PauseUnits(PausedSpins);

    // A spinner that has made PausedSpins calls, so that its next one is the one SpinOnce makes
    // after the pauses the looks replaced: the yield phase is the runtime's own. Copied per wait.
    private static readonly SpinWait AfterPauses = Advanced(PausedSpins);

    /// <summary>The pause, in <see cref="Thread.SpinWait"/> units, of the <paramref name="spins"/> first (pause-only) calls of <see cref="SpinWait.SpinOnce(int)"/> together: 1, 2, 4, ... each, capped at <see cref="MaxPauseUnits"/>.</summary>
    internal static int PauseUnits(int spins)
    {
        int units = 0;
        for (int i = 0; i < spins; i++)
        {
            units += Math.Min(1 << i, MaxPauseUnits);
        }

        return units;
    }

    /// <summary>A spinner after <paramref name="calls"/> calls of <see cref="SpinWait.SpinOnce(int)"/> (which pause once, here, at start-up).</summary>
    internal static SpinWait Advanced(int calls)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < calls; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return spinner;
    }

    // SpinOnce pauses 1, 2, 4, ... units up to the runtime's measure of the best pause
    // (Thread.OptimalMaxSpinWaitsPerSpinIteration, which it measures at start-up and does not
    // make public). Read here rather than restated: it differs between machines.
    private static int ReadMaxPauseUnits()
    {
        var property = typeof(Thread).GetProperty("OptimalMaxSpinWaitsPerSpinIteration", BindingFlags.NonPublic | BindingFlags.Static);
        return property?.GetValue(null) is int units && units > 0 ? units : 0;
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
