using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests.Timestamps;

/// <summary>
/// A timestamp type written outside the library, and not one the library has: a vector clock of
/// three counters, ordered counter by counter, so many times are incomparable (<c>(1, 0, 0)</c>
/// and <c>(0, 1, 0)</c>). A summary adds counter by counter and fails when any overflows. An
/// unmanaged struct of sequential layout, so its wire codec is its bytes.
/// </summary>
internal readonly record struct VectorClock(uint A, uint B, uint C) : ITimestamp<VectorClock>
{
    public static VectorClock Minimum => default;

    public static VectorClock IdentitySummary => default;

    public static bool LessEqual(VectorClock x, VectorClock y) => x.A <= y.A && x.B <= y.B && x.C <= y.C;

    public static bool TryResultsIn(VectorClock time, VectorClock summary, out VectorClock result) => TryAdd(time, summary, out result);

    public static bool TryFollowedBy(VectorClock first, VectorClock second, out VectorClock result) => TryAdd(first, second, out result);

    /// <summary>Lexicographic: a linear extension of the counter-by-counter order.</summary>
    public int CompareTo(VectorClock other) =>
        A != other.A ? A.CompareTo(other.A) : B != other.B ? B.CompareTo(other.B) : C.CompareTo(other.C);

    public override string ToString() => $"<{A} {B} {C}>";

    private static bool TryAdd(VectorClock x, VectorClock y, out VectorClock result)
    {
        result = new VectorClock(x.A + y.A, x.B + y.B, x.C + y.C);
        return result.A >= x.A && result.B >= x.B && result.C >= x.C;
    }
}
