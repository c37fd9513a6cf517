using Timely.Dataflow.Timestamps;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A user's own copy of <c>Product&lt;ulong, uint&gt;</c> through <see cref="ITimestamp{TSelf}"/>:
/// the same product order, the same lexicographic comparer, the same summaries (each coordinate
/// adds; none when either overflows). <c>(o, i)</c> maps to <c>Product(o, i)</c> one to one.
/// </summary>
internal readonly record struct UserProduct(ulong Outer, uint Inner) : ITimestamp<UserProduct>
{
    public static UserProduct Minimum => default;

    public static UserProduct IdentitySummary => default;

    public static bool LessEqual(UserProduct a, UserProduct b) => a.Outer <= b.Outer && a.Inner <= b.Inner;

    public static bool TryResultsIn(UserProduct time, UserProduct summary, out UserProduct result) => TryAdd(time, summary, out result);

    public static bool TryFollowedBy(UserProduct first, UserProduct second, out UserProduct result) => TryAdd(first, second, out result);

    public int CompareTo(UserProduct other)
    {
        int c = Outer.CompareTo(other.Outer);
        return c != 0 ? c : Inner.CompareTo(other.Inner);
    }

    private static bool TryAdd(UserProduct a, UserProduct b, out UserProduct result)
    {
        result = new UserProduct(a.Outer + b.Outer, a.Inner + b.Inner);
        return result.Outer >= a.Outer && result.Inner >= a.Inner;
    }
}
