using System.Runtime.InteropServices;

namespace Timely.Dataflow.Timestamps;

/// <summary>
/// A timestamp inside a nested scope: the time of the enclosing scope (<see cref="Outer"/>) and
/// a round counter of the nested one (<see cref="Inner"/>). Timely's <c>order::Product</c>.
/// </summary>
/// <remarks>
/// <para>The partial order is the product order: <c>a &lt;= b</c> when both coordinates are
/// (<see cref="ProductTimestamp{TOuter, TInner}"/>). <see cref="CompareTo"/> is lexicographic
/// (outer first), a linear extension of it, which change batches sort by.</para>
/// <para>Its path summaries are Products too (outer summary, inner summary); on the wire it is the
/// two fields back to back, as bincode writes timely's <c>Product { outer, inner }</c>. The layout
/// is <see cref="LayoutKind.Auto"/> on purpose: its memory (padding included) is no wire format,
/// and the byte codec refuses to copy an auto-layout struct, so only the registered field-by-field
/// codec can encode it.</para>
/// </remarks>
/// <typeparam name="TOuter">The enclosing scope's timestamp.</typeparam>
/// <typeparam name="TInner">The nested scope's own coordinate.</typeparam>
[StructLayout(LayoutKind.Auto)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1036", Justification = "< would read as the partial order, but IComparable is only its lexicographic linear extension; the order is ProductTimestamp.LessEqual")]
public readonly struct Product<TOuter, TInner> : IEquatable<Product<TOuter, TInner>>, IComparable<Product<TOuter, TInner>>, IProductTime
{
    // Runs before the first value is built with the constructor: the codec must be registered
    // before anything encodes the type (see ProductCodecs).
    static Product() => ProductCodecs.Ensure<TOuter, TInner>();

    object IProductTime.Traits => ProductTimestamp<TOuter, TInner>.Instance;

    void IProductTime.EnsureCodec() => ProductCodecs.Ensure<TOuter, TInner>();

    /// <summary>The time <c>(<paramref name="outer"/>, <paramref name="inner"/>)</c>.</summary>
    public Product(TOuter outer, TInner inner)
    {
        Outer = outer;
        Inner = inner;
    }

    /// <summary>The enclosing scope's time.</summary>
    public TOuter Outer { get; }

    /// <summary>The nested scope's coordinate (for an iterative scope, the round).</summary>
    public TInner Inner { get; }

    /// <inheritdoc />
    public bool Equals(Product<TOuter, TInner> other) =>
        EqualityComparer<TOuter>.Default.Equals(Outer, other.Outer) && EqualityComparer<TInner>.Default.Equals(Inner, other.Inner);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Product<TOuter, TInner> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Outer, Inner);

    /// <summary>Lexicographic, outer first: a linear extension of the product order.</summary>
    public int CompareTo(Product<TOuter, TInner> other)
    {
        int c = Comparer<TOuter>.Default.Compare(Outer, other.Outer);
        return c != 0 ? c : Comparer<TInner>.Default.Compare(Inner, other.Inner);
    }

    /// <summary>As timely's <c>Debug</c> prints it: <c>(outer, inner)</c>.</summary>
    public override string ToString() => $"({Outer}, {Inner})";

    /// <summary>Equal in both coordinates.</summary>
    public static bool operator ==(Product<TOuter, TInner> left, Product<TOuter, TInner> right) => left.Equals(right);

    /// <summary>Different in some coordinate.</summary>
    public static bool operator !=(Product<TOuter, TInner> left, Product<TOuter, TInner> right) => !left.Equals(right);
}
