using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Wakeup;

namespace Timely.PropTests.Communication;

/// <summary>
/// How many looks an idle worker makes before it parks (<see cref="SpinThenPark.Await{TProbe}"/>):
/// for a spin budget of s, one look per pause unit of the pause-only part of
/// <see cref="SpinWait.SpinOnce(int)"/>'s first min(s, 10) calls (1, 2, 4, then the runtime's
/// longest pause: 56 for ten where that is 7 units), then one per call after the tenth, then the park's own look after it announced sleep.
/// Work found at any look returns at once, without parking; work found by none parks (here with
/// no time to sleep, so it returns timed out).
/// </summary>
public sealed class SpinBudgetProperties
{
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property The_idle_wait_looks_once_per_pause_unit_then_once_per_yield_then_parks() =>
        Prop.ForAll(
            Gen.Choose(0, 40).SelectMany(s => Gen.Choose(0, Budget(s) + 3), (s, k) => (Spins: s, WorkAt: k)).ToArbitrary(),
            x =>
            {
                using var bell = Doorbell.InProcess();
                var looks = new StrongBox<int>();
                long parksBefore = bell.Parks;
                SpinThenPark.Await(bell, x.Spins, TimeSpan.Zero, new CountingProbe(looks, x.WorkAt));
                int budget = Budget(x.Spins);
                int expectedLooks = Math.Min(x.WorkAt, budget) + 1;
                bool expectedPark = x.WorkAt > budget;
                return looks.Value == expectedLooks && (bell.Parks - parksBefore == 1) == expectedPark;
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
    // runtime's 1, 2, 4, ... capped at its longest pause), one per later call.
    private static int Budget(int spins)
    {
        int paused = SpinThenPark.PausedSpins;
        int units = 0;
        for (int i = 0; i < Math.Min(spins, paused); i++)
        {
            units += Math.Min(1 << i, SpinThenPark.MaxPauseUnits);
        }

        return units + Math.Max(0, spins - paused);
    }

    /// <summary>Finds work at look number <c>workAt</c> (0 = the first), counting every look.</summary>
    private readonly struct CountingProbe(StrongBox<int> looks, int workAt) : IWorkProbe
    {
        public bool HasWork() => looks.Value++ >= workAt;

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }
}
