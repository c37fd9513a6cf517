using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Wakeup;

namespace Timely.PropTests.Communication;

/// <summary>
/// How many looks an idle worker makes before it parks (<see cref="SpinThenPark.Await{TProbe}"/>):
/// for a spin budget of s, one look per pause unit of the pause-only part of
/// <see cref="SpinWait.SpinOnce(int)"/>'s first min(s, 10) calls (1, 2, 4, then 7 units: 56 for
/// ten), then one per call after the tenth, then the park's own look after it announced sleep.
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
    public void Ten_spins_pause_as_long_as_SpinOnces_first_ten_calls() =>
        Assert.Equal(1 + 2 + 4 + (7 * 7), SpinThenPark.PauseUnits(10));

    // Looks before the park: one per pause unit of SpinOnce's pause-only calls, one per later call.
    private static int Budget(int spins)
    {
        int units = 0;
        for (int i = 0; i < Math.Min(spins, 10); i++)
        {
            units += Math.Min(1 << i, 7);
        }

        return units + Math.Max(0, spins - 10);
    }

    /// <summary>Finds work at look number <c>workAt</c> (0 = the first), counting every look.</summary>
    private readonly struct CountingProbe(StrongBox<int> looks, int workAt) : IWorkProbe
    {
        public bool HasWork() => looks.Value++ >= workAt;

        public TimeSpan? BeforePark(TimeSpan? timeout) => timeout;
    }
}
