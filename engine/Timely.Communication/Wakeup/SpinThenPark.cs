using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

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
//   runtime's longest pause each, 7 units on the guest of perf.md §17, 56 in all), then
//   calls SpinOnce(sleep1Threshold: -1) on a spinner that has made those ten calls, so it goes on
//   as SpinOnce does from its eleventh: a yield, then a longest pause, and so on (every fifth
//   yield a Sleep(0)), never sleeping 1 ms, so a worker that spins is at most one yield late for
//   a message. SpinOnce itself looked 1, 2, 4 and then 7 units apart, so a message that landed
//   during a pause waited for its end, on each side of a round trip; one unit apart, the first
//   yield still comes as late as before. The sum of the ten pauses is computed once per process.
//   The longest pause is the runtime's own (ReadMaxPauseUnits: CoreCLR's property, Native AOT's
//   constant). A runtime that says it neither way gets SpinOnce's own back-off from the first
//   look (the wait as it was before the one-unit looks), not a guessed constant.
// - The first FastUnits of those units are looks with a single PAUSE between them instead: on
//   perf.md's guest (AMD EPYC under KVM) a PAUSE costs 24-32 ns and Thread.SpinWait(1) either
//   about 55 ns or about 30 ns: the runtime measures at start-up how many PAUSEs make its
//   normalized unit, and on this loaded guest one process gets 2 and the next 1. Where a unit is
//   two PAUSEs, a message that lands during a unit waits about 27 ns on average for it to end,
//   on each side of a round trip; between single PAUSEs, about 13. The reply to what the owner
//   just sent lands within the first microsecond or so of its wait on a fast host, which is
//   what FastUnits (16, about 0.9 us) covers. The looks replace the units' time, not their
//   count: FastLooks is as many PAUSEs as fit in FastUnits units, measured once per process
//   (MeasureUnitsAndPauses, rounded down), so the first yield comes no earlier than before and
//   later only by the extra looks' own cost (the suite's unpinned jobs on 2 cores were what
//   longer spins punished).
//   Without X86Base (Arm64), or where a unit is one PAUSE, the looks stay one unit apart.
//   SpinOrPark, the step of a loop of the caller's own, backs off with SpinOnce as it is.
// - A worker that owns its core (Allocator.OwnsCore: pinned, every worker of the job on a core
//   of its own, no TCP thread carrying messages) makes the same looks after the pause-only ones
//   but never yields between them: each waits the runtime's longest pause, what SpinOnce pauses
//   between its yields, and the park after the budget still bounds the spin. On a core of its
//   own a yield finds no thread of the job to run; what it hands the core to is another
//   process, and under EEVDF the yielder's deadline moves back a slice, so it waits for that
//   process's slice. In per-round traces of pinned netbench runs over shm at load 10-34
//   (perf.md §17, "Where the slow round trips come from"), 6-17 (median 14) of each run's 20
//   slowest round trips, the ones p99.9 reads, were a wait whose yield lost the core for
//   0.1-40 ms; without the yields none were, and parks became the largest cause.
//   A worker whose look is a system call (a TCP worker that reads its own socket while awake,
//   AwaitSystemCallLooks) gets none of the PAUSE- or unit-spaced looks: a look already lasts
//   about a microsecond, and SpinOnce's back-off from the first look puts its first yield
//   where its receive and send threads, which wait for that core, need it.
//   Unpinned workers keep the yields: the suite's unpinned roundtrip rows were 1.5x slower when
//   the first yield came 3 us later, and two workers sharing a core need them.
// - The owner says what work is through a struct (IWorkProbe), so each allocator gets its own
//   compiled copy and each look between spins is a direct call. The park's look, after the
//   doorbell announces sleep, goes through one delegate per probe type (Looks), made once.
internal static class SpinThenPark
{
    /// <summary>
    /// Owner: returns at once when <paramref name="probe"/> finds work within
    /// <paramref name="spins"/> looks; otherwise parks on <paramref name="bell"/> until rung or
    /// the timeout <see cref="IWorkProbe.BeforePark"/> gives passes. A worker that
    /// <paramref name="ownsCore"/> makes the same looks without yielding between them. Returns
    /// how many of the looks were followed by a call of <see cref="SpinWait.SpinOnce(int)"/>
    /// past its pause-only calls, the calls that yield the core (every other one on a machine
    /// of several cores): 0 for a worker that owns its core.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Await<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe, bool ownsCore = false)
        where TProbe : struct, IWorkProbe
        => Await(bell, spins, FastLooks, timeout, probe, ownsCore);

    /// <summary>
    /// <see cref="Await{TProbe}(Doorbell, int, TimeSpan?, TProbe, bool)"/> with <paramref name="fastLooks"/>
    /// in place of this machine's <see cref="FastLooks"/> (0: every look one unit apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Await<TProbe>(Doorbell bell, int spins, int fastLooks, TimeSpan? timeout, TProbe probe, bool ownsCore = false)
        where TProbe : struct, IWorkProbe
    {
        int units = spins >= PausedSpins ? PausedUnits : PauseUnits(spins);
        if (spins >= PausedSpins && fastLooks > 0)
        {
            for (int f = 0; f < fastLooks; f++)
            {
                if (probe.HasWork())
                {
                    return 0;
                }

                X86Base.Pause();
            }

            units -= FastUnits;
        }

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

    /// <summary>
    /// <see cref="Await{TProbe}(Doorbell, int, TimeSpan?, TProbe, bool)"/> for a probe whose look
    /// is a system call (a worker that reads its own socket while awake): no looks a PAUSE or a
    /// unit apart, but <see cref="SpinWait.SpinOnce(int)"/>'s back-off from the first look, so the
    /// first yield comes after its ten pause-only calls, as it did before the one-unit looks.
    /// Returns as <see cref="Await{TProbe}(Doorbell, int, TimeSpan?, TProbe, bool)"/> does.
    /// </summary>
    // A look that costs a non-blocking recvfrom (about 1 us) makes the PAUSE-spaced looks moot,
    // and 17 + 46 of them (Native AOT's longest pause, 8) put the first yield about 60-80 us
    // after the wait began, where the socket's receive thread and the send thread wait for that
    // core: `roundtrip 10000 --processes 2 --transport tcp` took 638 against 248 ms (median of 9
    // native pairs, perf.md §17, the levers) until such a worker waited this way.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int AwaitSystemCallLooks<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
        => LookAndYield(bell, spins, timeout, probe, first: 0, default);

    // After the one-unit looks, a worker that shares its core: SpinOnce's own phase (a yield, a
    // longest pause, a yield, ...), so a thread that would answer on this core gets it. Out of
    // line: a round trip's wait ends in the looks above.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LookAndYield<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
        => LookAndYield(bell, spins, timeout, probe, PausedSpins, AfterPauses);

    // The looks from the spinner's (first + 1)th call of SpinOnce on, then the park.
    private static int LookAndYield<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe, int first, SpinWait spinner)
        where TProbe : struct, IWorkProbe
    {
        int calls = 0;
        for (int i = first; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return calls;
            }

            calls += spinner.Count >= PauseOnlySpins ? 1 : 0;
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
        return calls;
    }

    // After the one-unit looks, a worker that owns its core: the same looks, each after the
    // runtime's longest pause (what SpinOnce pauses between its yields), none after a yield.
    // Where the runtime does not say its longest pause, SpinOnce's pause-only calls come first
    // (PausedSpins is 0 then), and one unit apart after them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LookOnOwnCore<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        SpinWait spinner = AfterPauses;
        for (int i = PausedSpins; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return 0;
            }

            if (spinner.Count < PauseOnlySpins)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            else
            {
                Thread.SpinWait(Math.Max(1, MaxPauseUnits));
            }
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

    /// <summary>How many of <see cref="SpinWait.SpinOnce(int)"/>'s first calls <see cref="Await{TProbe}(Doorbell, int, TimeSpan?, TProbe, bool)"/> replaces by one-unit looks: <see cref="PauseOnlySpins"/>, or 0 when <see cref="MaxPauseUnits"/> is unknown.</summary>
    internal static readonly int PausedSpins = MaxPauseUnits > 0 ? PauseOnlySpins : 0;

    // The looks of a wait with a budget of at least PausedSpins, before its first yield (56 where the longest pause is 7).
    private static readonly int PausedUnits = PauseUnits(PausedSpins);

    /// <summary>How many of the first one-unit looks of a wait with a budget of at least <see cref="PausedSpins"/> become looks a single PAUSE apart (about 0.9 us of waiting).</summary>
    internal const int FastUnits = 16;

    /// <summary>
    /// The looks a single PAUSE apart that replace the first <see cref="FastUnits"/> one-unit
    /// looks: as many PAUSEs as last as long as those units on this machine, measured once per
    /// process; 0 where that is no more than <see cref="FastUnits"/> (a unit is one PAUSE: nothing
    /// to gain), where there is no x86 PAUSE, or where the wait has no one-unit looks.
    /// </summary>
    internal static readonly int FastLooks = X86Base.IsSupported && PausedSpins > 0 && PauseUnits(PausedSpins) >= FastUnits ? FastLooksFor(MeasureUnitsAndPauses()) : 0;

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

    /// <summary>
    /// The fast looks for <paramref name="measured"/>, the ticks of <see cref="MeasureCount"/> units
    /// and of as many PAUSEs: <see cref="FastUnits"/> x units / PAUSEs, rounded down (each look's
    /// own cost comes on top, so the looks never undercut the units' time by rounding), or 0 when
    /// no more looks than <see cref="FastUnits"/> fit.
    /// </summary>
    internal static int FastLooksFor((long Units, long Pauses) measured)
    {
        if (measured.Pauses <= 0)
        {
            return 0;
        }

        long looks = Math.Min(FastUnits * measured.Units / measured.Pauses, FastUnits * 64L);
        return looks > FastUnits ? (int)looks : 0;
    }

    /// <summary>The units and PAUSEs each timing of <see cref="MeasureUnitsAndPauses"/> counts.</summary>
    internal const int MeasureCount = 32;

    // The shortest of five interleaved timings each of 32 units and of 32 PAUSEs (about 1.8 and
    // 0.8 us here), so a preemption inside one timing does not skew the ratio. About 15 us once
    // per process, at the first idle wait.
    private static (long Units, long Pauses) MeasureUnitsAndPauses()
    {
        const int Count = MeasureCount;
        long units = long.MaxValue, pauses = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Count; i++)
            {
                Thread.SpinWait(1);
            }

            long middle = Stopwatch.GetTimestamp();
            for (int i = 0; i < Count; i++)
            {
                X86Base.Pause();
            }

            long end = Stopwatch.GetTimestamp();
            units = Math.Min(units, middle - start);
            pauses = Math.Min(pauses, end - middle);
        }

        return (units, pauses);
    }

    // SpinOnce pauses 1, 2, 4, ... units up to the runtime's longest pause,
    // Thread.OptimalMaxSpinWaitsPerSpinIteration, which no runtime makes public. CoreCLR measures
    // it at start-up and has it as a property; Native AOT's CoreLib has it as a constant (8 in
    // .NET 10), so the property is not there and the constant is read as a literal field. Read
    // rather than restated: it differs between machines on the one and between versions on the
    // other. Before the field was read, a native build found no longest pause and waited with
    // SpinOnce from its first look: no looks a PAUSE apart, none one unit apart, a message that
    // landed during the 8-unit pauses waited for their end: shm-bench's back-off layer read 260 ns
    // against the ring's 111 natively and 110 against 110 on the JIT (perf.md §17, "The layers on
    // this stop's build").
    private static int ReadMaxPauseUnits() =>
        LongestPause(
            typeof(Thread).GetProperty(LongestPauseName, BindingFlags.NonPublic | BindingFlags.Static),
            typeof(Thread).GetField(LongestPauseName, BindingFlags.NonPublic | BindingFlags.Static));

    private const string LongestPauseName = "OptimalMaxSpinWaitsPerSpinIteration";

    /// <summary>
    /// The longest pause a runtime states through <paramref name="property"/> (a static property,
    /// as CoreCLR's) or, where there is none, <paramref name="field"/> (a constant or static
    /// field, as Native AOT's); 0 when neither states a positive count.
    /// </summary>
    internal static int LongestPause(PropertyInfo? property, FieldInfo? field)
    {
        object? value = property is not null ? property.GetValue(null)
            : field is null ? null
            : field.IsLiteral ? field.GetRawConstantValue()
            : field.GetValue(null);
        return value is int units && units > 0 ? units : 0;
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
