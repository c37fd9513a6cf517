using Timely.Bytes;

namespace Timely.Dataflow.Timestamps;

/// <summary>
/// Registers <see cref="ProductCodec{TOuter, TInner}"/> with <see cref="WireCodec"/> once per closed
/// Product type, coordinates first (a nested Product's outer is itself a Product), so that every
/// serializing path (channels, capture files) writes the fields back to back.
/// </summary>
internal static class ProductCodecs
{
    // Design: each Product type registers its codec once, inside a static constructor, under the
    // runtime's type-initialization lock; any thread may trigger it.

    public static void Ensure<TOuter, TInner>() => Registration<TOuter, TInner>.Touch();

    /// <summary>Registers the codec of <typeparamref name="T"/> if it is a Product; no-op otherwise.</summary>
    public static void EnsureIfProduct<T>()
    {
        if (default(T) is IProductTime product)
        {
            product.EnsureCodec();
        }
    }

    // A static constructor runs once per closed type under the runtime's type-initialization lock.
    private static class Registration<TOuter, TInner>
    {
        static Registration()
        {
            EnsureIfProduct<TOuter>();
            EnsureIfProduct<TInner>();
            WireCodec.Register<Product<TOuter, TInner>>(new ProductCodec<TOuter, TInner>());
        }

        public static void Touch()
        {
        }
    }
}
