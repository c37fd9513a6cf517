using System.Reflection;
using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Wakeup;

namespace Timely.PropTests.Communication;

/// <summary>
/// How many looks an idle worker makes before it parks (<see cref="SpinThenPark.Await{TProbe}(Doorbell, int, TimeSpan?, TProbe, bool)"/>):
/// for a spin budget of s, one look per pause unit of the pause-only part of
/// <see cref="SpinWait.SpinOnce(int)"/>'s first min(s, 10) calls (1, 2, 4, then the runtime's
/// longest pause: 56 for ten where that is 7 units), the first 16 of those units as
/// <see cref="SpinThenPark.FastLooks"/> looks a PAUSE apart where a unit lasts several PAUSEs, then
/// one per call after the tenth, then the park's own look after it announced sleep.
/// Work found at any look returns at once, without parking; work found by none parks (here with
/// no time to sleep, so it returns timed out).
/// </summary>
public sealed class SpinBudgetProperties
{
    // A spin count, and the look (0-based) at which work appears: up to three looks past the whole budget, so some waits park.
    private static Arbitrary<(int Spins, int WorkAt)> SpinsAndWork() =>
        Gen.Choose(0, 40).SelectMany(s => Gen.Choose(0, Budget(s, SpinThenPark.FastLooks) + 3), (s, k) => (Spins: s, WorkAt: k)).ToArbitrary();

    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property The_idle_wait_looks_once_per_pause_unit_then_once_per_yield_then_parks() =>
        Prop.ForAll(
            SpinsAndWork(),
            x =>
            {
                using var bell = Doorbell.InProcess();
                var looks = new StrongBox<int>();
                long parksBefore = bell.Parks;
                _ = SpinThenPark.Await(bell, x.Spins, TimeSpan.Zero, new CountingProbe(looks, x.WorkAt));
                int budget = Budget(x.Spins, SpinThenPark.FastLooks);
                int expectedLooks = Math.Min(x.WorkAt, budget) + 1;
                bool expectedPark = x.WorkAt > budget;
                return looks.Value == expectedLooks && (bell.Parks - parksBefore == 1) == expectedPark;
            });

    /// <summary>
    /// A worker that owns its core waits as one that shares it, look for look and park for park,
    /// but calls <see cref="SpinWait.SpinOnce(int)"/> in none of the looks after its pause-only
    /// calls (the calls that yield); one that shares its core makes one such call per look of
    /// that phase that finds no work.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property A_worker_that_owns_its_core_makes_the_same_looks_and_park_without_a_yielding_call() =>
        Prop.ForAll(
            SpinsAndWork(),
            x =>
            {
                using var bell = Doorbell.InProcess();
                var ownLooks = new StrongBox<int>();
                var sharedLooks = new StrongBox<int>();
                long parks = bell.Parks;
                int ownCalls = SpinThenPark.Await(bell, x.Spins, TimeSpan.Zero, new CountingProbe(ownLooks, x.WorkAt), ownsCore: true);
                bool ownParked = bell.Parks - parks == 1;
                parks = bell.Parks;
                int sharedCalls = SpinThenPark.Await(bell, x.Spins, TimeSpan.Zero, new CountingProbe(sharedLooks, x.WorkAt), ownsCore: false);
                bool sharedParked = bell.Parks - parks == 1;
                int yieldPhase = Math.Max(0, x.Spins - Math.Max(SpinThenPark.PausedSpins, SpinThenPark.PauseOnlySpins));
                int beforeYields = Budget(x.Spins, SpinThenPark.FastLooks) - yieldPhase;
                int expectedCalls = Math.Min(Math.Max(0, x.WorkAt - beforeYields), yieldPhase);
                return ownLooks.Value == sharedLooks.Value
                    && ownParked == sharedParked
                    && ownCalls == 0
                    && sharedCalls == expectedCalls;
            });

    /// <summary>
    /// A worker whose look is a system call (it reads its own socket) makes one look per call of
    /// <see cref="SpinWait.SpinOnce(int)"/> from the first, with none a PAUSE or a unit apart: s
    /// looks and the park's for a budget of s, the first yielding call after the ten pause-only
    /// ones, and one yielding call per look after them that finds no work.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property A_worker_whose_look_is_a_system_call_looks_once_per_SpinOnce_from_the_first() =>
        Prop.ForAll(
            Gen.Choose(0, 40).SelectMany(s => Gen.Choose(0, s + 3), (s, k) => (Spins: s, WorkAt: k)).ToArbitrary(),
            x =>
            {
                using var bell = Doorbell.InProcess();
                var looks = new StrongBox<int>();
                long parks = bell.Parks;
                int calls = SpinThenPark.AwaitSystemCallLooks(bell, x.Spins, TimeSpan.Zero, new CountingProbe(looks, x.WorkAt));
                bool parked = bell.Parks - parks == 1;
                int expectedCalls = Math.Max(0, Math.Min(x.WorkAt, x.Spins) - SpinThenPark.PauseOnlySpins);
                return looks.Value == Math.Min(x.WorkAt, x.Spins) + 1
                    && parked == (x.WorkAt > x.Spins)
                    && calls == expectedCalls;
            });

    [Fact]
    public void The_runtime_says_its_longest_pause_and_ten_spins_pause_as_long_as_SpinOnces_first_ten_calls()
    {
        int longest = SpinThenPark.MaxPauseUnits;
        Assert.True(longest > 0, "this runtime no longer exposes SpinWait's longest pause; the idle wait fell back to SpinOnce from its first look");
        Assert.Equal(10, SpinThenPark.PausedSpins);
        Assert.Equal(1 + Math.Min(2, longest) + Math.Min(4, longest) + Math.Min(8, longest) + Math.Min(16, longest) + Math.Min(32, longest)
            + Math.Min(64, longest) + Math.Min(128, longest) + Math.Min(256, longest) + Math.Min(512, longest), SpinThenPark.PauseUnits(10));
    }

    /// <summary>
    /// The longest pause is read wherever a runtime states it: CoreCLR's static property, or,
    /// where there is none, Native AOT's constant (a literal field: its CoreLib has no property).
    /// A runtime that states it neither way, or states no positive count, gets 0.
    /// </summary>
    [Fact]
    public void The_longest_pause_is_read_from_a_property_or_else_from_a_constant()
    {
        Assert.Equal(7, SpinThenPark.LongestPause(LongestPauseForms.Property, null));
        Assert.Equal(8, SpinThenPark.LongestPause(null, LongestPauseForms.Constant));
        Assert.Equal(7, SpinThenPark.LongestPause(LongestPauseForms.Property, LongestPauseForms.Constant));
        Assert.Equal(0, SpinThenPark.LongestPause(null, null));
        Assert.Equal(0, SpinThenPark.LongestPause(null, LongestPauseForms.NotAnInt));
    }

    /// <summary>
    /// For any count a runtime states, as a property or as a static field, the wait reads that
    /// count where it is positive and 0 where it is not; a property wins over a field.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property The_longest_pause_read_is_the_stated_count_when_positive() =>
        Prop.ForAll(
            Gen.Choose(-3, 300).SelectMany(n => Gen.Choose(-3, 300), (n, m) => (Property: n, Field: m)).ToArbitrary(),
            Gen.Elements(true, false).ToArbitrary(),
            (x, withProperty) =>
            {
                LongestPauseForms.StatedProperty = x.Property;
                LongestPauseForms.StatedField = x.Field;
                int read = SpinThenPark.LongestPause(withProperty ? LongestPauseForms.VariableProperty : null, LongestPauseForms.VariableField);
                int stated = withProperty ? x.Property : x.Field;
                return read == (stated > 0 ? stated : 0);
            });

    /// <summary>
    /// Whatever this machine measured, a wait with f fast looks (0, or more than the 16 units they
    /// replace) looks f times, then once per remaining unit, then once per yield, then parks.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property Fast_looks_replace_the_first_units_one_for_one_in_count_of_looks_before_the_park() =>
        Prop.ForAll(
            Gen.Choose(0, 40).SelectMany(s => Gen.Elements(0, SpinThenPark.FastUnits + 1, 2 * SpinThenPark.FastUnits, 3 * SpinThenPark.FastUnits + 5), (s, f) => (Spins: s, Fast: f))
                .SelectMany(x => Gen.Choose(0, Budget(x.Spins, x.Fast) + 3), (x, k) => (x.Spins, x.Fast, WorkAt: k)).ToArbitrary(),
            x =>
            {
                using var bell = Doorbell.InProcess();
                var looks = new StrongBox<int>();
                long parksBefore = bell.Parks;
                _ = SpinThenPark.Await(bell, x.Spins, x.Fast, TimeSpan.Zero, new CountingProbe(looks, x.WorkAt));
                int budget = Budget(x.Spins, x.Fast);
                return looks.Value == Math.Min(x.WorkAt, budget) + 1 && (bell.Parks - parksBefore == 1) == (x.WorkAt > budget);
            });

    /// <summary>
    /// The fast looks span the units they replace: as many looks as PAUSEs last as long as
    /// <see cref="SpinThenPark.FastUnits"/> units (rounded down), for any measured pair of
    /// timings; none where that is no more looks than units (a unit of one PAUSE, as on Intel
    /// cores since Skylake, leaves nothing to gain) or the PAUSEs took no time.
    /// </summary>
    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property The_fast_looks_are_as_many_PAUSEs_as_last_as_long_as_the_units_they_replace() =>
        Prop.ForAll(
            Gen.Choose(0, 20_000).SelectMany(u => Gen.Choose(0, 20_000), (u, p) => (Units: (long)u, Pauses: (long)p)).ToArbitrary(),
            m =>
            {
                int looks = SpinThenPark.FastLooksFor(m);
                int fast = SpinThenPark.FastUnits;
                if (m.Pauses == 0 || fast * m.Units <= fast * m.Pauses)
                {
                    return looks == 0;
                }

                // looks PAUSEs last no longer than the units, one more would (or the cap of 64 a unit holds).
                return looks == 0
                    ? fast * m.Units / m.Pauses <= fast
                    : looks > fast && (long)looks * m.Pauses <= fast * m.Units && ((long)(looks + 1) * m.Pauses > fast * m.Units || looks == fast * 64);
            });

    [Fact]
    public void Two_PAUSEs_a_unit_make_two_fast_looks_a_unit_and_one_makes_none()
    {
        int fast = SpinThenPark.FastUnits;
        Assert.Equal(2 * fast, SpinThenPark.FastLooksFor((56 * SpinThenPark.MeasureCount, 28 * SpinThenPark.MeasureCount)));
        Assert.Equal(27, SpinThenPark.FastLooksFor((55_700, 32_500)));   // 16 x 1.71 PAUSEs a unit, rounded down
        Assert.Equal(0, SpinThenPark.FastLooksFor((28_500, 27_800)));
        Assert.Equal(0, SpinThenPark.FastLooksFor((1_000, 0)));
        Assert.True(SpinThenPark.FastLooks == 0 || SpinThenPark.FastLooks > fast);
    }

    [Fact]
    public void The_yield_phase_starts_where_SpinOnce_stops_pausing()
    {
        SpinWait before = SpinThenPark.Advanced(SpinThenPark.PauseOnlySpins - 1);
        SpinWait after = SpinThenPark.Advanced(SpinThenPark.PauseOnlySpins);
        Assert.Equal(SpinThenPark.PauseOnlySpins, after.Count);
        Assert.Equal(Environment.ProcessorCount == 1, before.NextSpinWillYield);
        Assert.True(after.NextSpinWillYield);
    }

    // Looks before the park: one per pause unit of SpinOnce's pause-only calls (each the
    // runtime's 1, 2, 4, ... capped at its longest pause), the first FastUnits of them as
    // FastLooks when the budget reaches the tenth call, one per later call.
    private static int Budget(int spins, int fastLooks)
    {
        int paused = SpinThenPark.PausedSpins;
        int units = 0;
        for (int i = 0; i < Math.Min(spins, paused); i++)
        {
            units += Math.Min(1 << i, SpinThenPark.MaxPauseUnits);
        }

        if (spins >= paused && fastLooks > 0)
        {
            units += fastLooks - SpinThenPark.FastUnits;
        }

        return units + Math.Max(0, spins - paused);
    }

    /// <summary>The forms a runtime's longest pause takes, each as the runtime names it.</summary>
    private static class LongestPauseForms
    {
        private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;

        public static readonly PropertyInfo Property = typeof(CoreClrLike).GetProperty(Name, Private)!;
        public static readonly FieldInfo Constant = typeof(NativeAotLike).GetField(Name, Private)!;
        public static readonly FieldInfo NotAnInt = typeof(OtherType).GetField(Name, Private)!;
        public static readonly PropertyInfo VariableProperty = typeof(StatedAsProperty).GetProperty(Name, Private)!;
        public static readonly FieldInfo VariableField = typeof(StatedAsField).GetField(Name, Private)!;

        private const string Name = "OptimalMaxSpinWaitsPerSpinIteration";

        public static int StatedProperty { get; set; }

        public static int StatedField { get => StatedAsField.Value; set => StatedAsField.Value = value; }

        private static class CoreClrLike
        {
            private static int OptimalMaxSpinWaitsPerSpinIteration => 7;
        }

        private static class NativeAotLike
        {
            private const int OptimalMaxSpinWaitsPerSpinIteration = 8;
        }

        private static class OtherType
        {
            private const long OptimalMaxSpinWaitsPerSpinIteration = 8;
        }

        private static class StatedAsProperty
        {
            private static int OptimalMaxSpinWaitsPerSpinIteration => StatedProperty;
        }

        private static class StatedAsField
        {
#pragma warning disable IDE1006, SA1307 // the runtime's own name, which the reader looks up
            private static int OptimalMaxSpinWaitsPerSpinIteration;
#pragma warning restore IDE1006, SA1307

            public static int Value { get => OptimalMaxSpinWaitsPerSpinIteration; set => OptimalMaxSpinWaitsPerSpinIteration = value; }
        }
    }

    /// <summary>Finds work at look number <c>workAt</c> (0 = the first), counting every look.</summary>
    private readonly struct CountingProbe(StrongBox<int> looks, int workAt) : IWorkProbe
    {
        public bool HasWork() => looks.Value++ >= workAt;

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }
}
