using System.Diagnostics;
using System.Reflection;
using System.Runtime.Intrinsics.X86;

namespace Timely.Bench.TransportBench;

/// <summary>
/// The constants of the engine's idle wait (<c>SpinThenPark</c> in Timely.Communication, whose
/// internals the benchmark command may not see), read and measured here the same way, so the
/// back-off layer of <c>shm-bench</c> waits as the engine does on the same machine.
/// </summary>
internal static class BackOffShape
{
    /// <summary>The one-unit looks before SpinOnce's first yield: 1 + 2 + 4 + 7 x 7 = 56 where the runtime's longest pause is 7 units.</summary>
    public static readonly int PausedUnits = SumOfPauses(LongestPause());

    /// <summary>The first units turned into looks a PAUSE apart, as in the engine.</summary>
    public const int FastUnits = 16;

    /// <summary>The looks a single PAUSE apart spanning <see cref="FastUnits"/> units: 0 without x86 PAUSE or where a unit is about one PAUSE.</summary>
    public static readonly int FastLooks = X86Base.IsSupported && PausedUnits >= FastUnits ? FastUnitsAsPauses() : 0;

    /// <summary>A spinner past SpinOnce's ten pause-only calls: its next call yields.</summary>
    public static readonly SpinWait AfterPauses = SpinnerAfter(PausedUnits > 0 ? 10 : 0);

    // CoreCLR states it as a property, Native AOT as a constant (read as a literal field): as the engine.
    private static int LongestPause()
    {
        const string Name = "OptimalMaxSpinWaitsPerSpinIteration";
        object? longest = typeof(Thread).GetProperty(Name, BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null)
            ?? typeof(Thread).GetField(Name, BindingFlags.NonPublic | BindingFlags.Static) switch
            {
                { IsLiteral: true } constant => constant.GetRawConstantValue(),
                { } field => field.GetValue(null),
                null => null,
            };
        return longest is int units ? Math.Max(units, 0) : 0;
    }

    private static int SumOfPauses(int longest) => longest == 0 ? 0 : Enumerable.Range(0, 10).Sum(i => Math.Min(1 << i, longest));

    // As many PAUSEs as last as long as FastUnits units (the fewest ticks of five tries each of
    // 32 of either), rounded down; 0 where that is no more looks than units. As the engine.
    private static int FastUnitsAsPauses()
    {
        long bestUnits = long.MaxValue, bestPauses = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 32; i++)
            {
                Thread.SpinWait(1);
            }

            long t1 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 32; i++)
            {
                X86Base.Pause();
            }

            long t2 = Stopwatch.GetTimestamp();
            bestUnits = Math.Min(bestUnits, t1 - t0);
            bestPauses = Math.Min(bestPauses, t2 - t1);
        }

        long looks = bestPauses > 0 ? Math.Min(FastUnits * bestUnits / bestPauses, FastUnits * 64L) : 0;
        return looks > FastUnits ? (int)looks : 0;
    }

    private static SpinWait SpinnerAfter(int calls)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < calls; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return spinner;
    }
}
