namespace Timely.Dataflow.Timestamps;

/// <summary>
/// The traits of <see cref="Product{TOuter, TInner}"/> (timely's <c>PartialOrder</c>,
/// <c>Timestamp</c> and <c>PathSummary</c> impls for <c>Product</c>): the product order, the
/// minimum of both coordinates, and summaries applied coordinate by coordinate, failing when
/// either coordinate fails.
/// </summary>
/// <remarks>Found through <see cref="TimestampTraits{T}.Default"/>; the coordinates' traits are read
/// from their static fields, which the JIT treats as constants once tiered up.</remarks>
public sealed class ProductTimestamp<TOuter, TInner> : ITimestampTraits<Product<TOuter, TInner>>
{
    // Design: immutable, one instance per Product type, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly ProductTimestamp<TOuter, TInner> Instance = new();

    private ProductTimestamp()
    {
        Minimum = new Product<TOuter, TInner>(TimestampTraits<TOuter>.Default.Minimum, TimestampTraits<TInner>.Default.Minimum);
        IdentitySummary = new Product<TOuter, TInner>(TimestampTraits<TOuter>.Default.IdentitySummary, TimestampTraits<TInner>.Default.IdentitySummary);
    }

    /// <inheritdoc />
    public Product<TOuter, TInner> Minimum { get; }

    /// <inheritdoc />
    public Product<TOuter, TInner> IdentitySummary { get; }

    /// <inheritdoc />
    public bool LessEqual(Product<TOuter, TInner> a, Product<TOuter, TInner> b) =>
        TimestampTraits<TOuter>.Default.LessEqual(a.Outer, b.Outer) && TimestampTraits<TInner>.Default.LessEqual(a.Inner, b.Inner);

    /// <inheritdoc />
    public bool TryResultsIn(Product<TOuter, TInner> time, Product<TOuter, TInner> summary, out Product<TOuter, TInner> result) =>
        Both(
            TimestampTraits<TOuter>.Default.TryResultsIn(time.Outer, summary.Outer, out var outer), outer,
            TimestampTraits<TInner>.Default.TryResultsIn(time.Inner, summary.Inner, out var inner), inner,
            out result);

    /// <inheritdoc />
    public bool TryFollowedBy(Product<TOuter, TInner> first, Product<TOuter, TInner> second, out Product<TOuter, TInner> result) =>
        Both(
            TimestampTraits<TOuter>.Default.TryFollowedBy(first.Outer, second.Outer, out var outer), outer,
            TimestampTraits<TInner>.Default.TryFollowedBy(first.Inner, second.Inner, out var inner), inner,
            out result);

    // A Product exists only when both coordinates do (timely's and_then).
    private static bool Both(bool hasOuter, TOuter outer, bool hasInner, TInner inner, out Product<TOuter, TInner> result)
    {
        result = hasOuter && hasInner ? new Product<TOuter, TInner>(outer, inner) : default;
        return hasOuter && hasInner;
    }
}
