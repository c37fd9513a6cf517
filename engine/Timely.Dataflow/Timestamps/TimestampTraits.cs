namespace Timely.Dataflow.Timestamps;

/// <summary>Finds the <see cref="ITimestampTraits{T}"/> of a timestamp type once per type.</summary>
public static class TimestampTraits<T>
{
    // Design: Default is resolved once per type in the static constructor, under the runtime's type-
    // initialization lock, and never changes; every thread reads the same immutable traits.

    /// <summary>
    /// The traits of <typeparamref name="T"/>. Built in: <see cref="ulong"/> and <see cref="uint"/>
    /// (total orders, summaries add and fail on overflow), and
    /// <see cref="Product{TOuter, TInner}"/> of timestamp types (the product order). Any struct
    /// that implements <see cref="ITimestamp{TSelf}"/> brings its own.
    /// </summary>
    /// <remarks>
    /// A static readonly field of a sealed type: once tiered up, the JIT treats it as a constant
    /// and devirtualizes the calls, so generic progress code costs no interface dispatch.
    /// </remarks>
    public static readonly ITimestampTraits<T> Default = Resolve();

    private static ITimestampTraits<T> Resolve()
    {
        if (typeof(T) == typeof(ulong))
        {
            return (ITimestampTraits<T>)(object)UInt64Timestamp.Instance;
        }

        if (typeof(T) == typeof(uint))
        {
            return (ITimestampTraits<T>)(object)UInt32Timestamp.Instance;
        }

        // Boxed once per type: a Product answers with its own statically typed traits.
        if (default(T) is IProductTime product)
        {
            product.EnsureCodec();
            return (ITimestampTraits<T>)product.Traits;
        }

        // Boxed once per type too: ITimestamp<TSelf> supplies its traits, which call TSelf's statics.
        if (default(T) is ITimestamp timestamp)
        {
            return (ITimestampTraits<T>)timestamp.Traits;
        }

        throw new NotSupportedException(
            $"{typeof(T)} is not a timestamp type: supported are ulong, uint, structs that implement ITimestamp<TSelf>, and Product<TOuter, TInner> of timestamp types.");
    }
}
