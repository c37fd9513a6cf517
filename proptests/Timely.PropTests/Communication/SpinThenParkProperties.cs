using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Wakeup;

namespace Timely.PropTests.Communication;

/// <summary>
/// How an idle owner looks for work before it parks (<see cref="SpinThenPark.Await{TProbe}"/>):
/// with a spin budget, <see cref="SpinThenPark.BackToBackLooks"/> looks one short pause apart in
/// place of the budget's first <see cref="SpinThenPark.PauseOnlySpins"/> iterations, then one
/// look per later iteration; with none, it parks at once. Work that shows up at any look within
/// those is taken without a park, and the owner parks only after the last of them.
/// </summary>
/// <remarks>
/// The probe counts looks and notes the look count when the owner turns to park
/// (<see cref="IWorkProbe.BeforePark"/>), so nothing here depends on timing; a park that does
/// happen is bounded by a 1 ms timeout.
/// </remarks>
public sealed class SpinThenParkProperties
{
    /// <summary>A spin budget, and the look (1-based) at which the probe first finds work.</summary>
    public sealed record Wait(int Spins, int WorkAtLook)
    {
        public override string ToString() => $"spins {Spins}, work at look {WorkAtLook}";
    }

    private static Gen<Wait> WaitGen() =>
        from spins in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Choose(1, 12)), (3, Gen.Choose(13, 250)))
        from look in Gen.Choose(1, SpinThenPark.BackToBackLooks + 260)
        select new Wait(spins, look);

    /// <summary>
    /// The owner turns to park exactly when the work comes after its last spinning look; until
    /// then it stops at the look that found the work, and it never looks past it.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property Work_within_the_looks_is_taken_without_a_park_and_the_park_comes_after_the_last_look() =>
        Prop.ForAll(WaitGen().ToArbitrary(), wait =>
        {
            int looksBeforePark = wait.Spins == 0 ? 0
                : Environment.ProcessorCount == 1 ? wait.Spins
                : SpinThenPark.BackToBackLooks + Math.Max(0, wait.Spins - SpinThenPark.PauseOnlySpins);
            var seen = new Looks(wait.WorkAtLook);
            using var bell = Doorbell.InProcess();
            SpinThenPark.Await(bell, wait.Spins, TimeSpan.FromMilliseconds(1), new CountingProbe(seen));
            if (wait.WorkAtLook <= looksBeforePark)
            {
                Assert.Equal(-1, seen.LooksAtPark);
                Assert.Equal(wait.WorkAtLook, seen.Count);
                Assert.Equal(0L, bell.Parks);
            }
            else
            {
                Assert.Equal(looksBeforePark, seen.LooksAtPark);
                Assert.True(seen.Count <= wait.WorkAtLook, $"looked {seen.Count} times, past the look at {wait.WorkAtLook} that finds work");
            }

            return true;
        });

    /// <summary>The probe's shared state: looks made, the look that finds work, the look count at the turn to park (-1: none).</summary>
    private sealed class Looks(int workAtLook)
    {
        public int WorkAtLook { get; } = workAtLook;

        public int Count { get; set; }

        public int LooksAtPark { get; set; } = -1;
    }

    private readonly struct CountingProbe(Looks looks) : IWorkProbe
    {
        public bool HasWork() => ++looks.Count >= looks.WorkAtLook;

        public TimeSpan? BeforePark(TimeSpan? timeout)
        {
            looks.LooksAtPark = looks.Count;
            return timeout;
        }
    }
}
