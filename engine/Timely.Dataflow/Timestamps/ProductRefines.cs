namespace Timely.Dataflow.Timestamps;

/// <summary>
/// <see cref="Product{TOuter, TInner}"/> refines <typeparamref name="TOuter"/>: entering sets the
/// inner coordinate to its minimum, leaving drops it, and a summary is seen by its outer part.
/// </summary>
public sealed class ProductRefines<TOuter, TInner> : IRefines<TOuter, Product<TOuter, TInner>>
{
    // Design: immutable, one instance per Product type, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly ProductRefines<TOuter, TInner> Instance = new();

    private readonly TInner _minimum = TimestampTraits<TInner>.Default.Minimum;

    private ProductRefines()
    {
    }

    /// <inheritdoc />
    public Product<TOuter, TInner> ToInner(TOuter time) => new(time, _minimum);

    /// <inheritdoc />
    public TOuter ToOuter(Product<TOuter, TInner> time) => time.Outer;

    /// <inheritdoc />
    public TOuter Summarize(Product<TOuter, TInner> summary) => summary.Outer;
}
