namespace Timely.Dataflow.Timestamps;

/// <summary>
/// What generic code that holds a <see cref="Product{TOuter, TInner}"/> as a plain <c>T</c> needs
/// from it, reached through <c>default(T) is IProductTime</c>: Product's own members know
/// TOuter and TInner statically, so neither <see cref="TimestampTraits{T}"/> nor
/// <see cref="ProductCodecs"/> needs MakeGenericType, which Native AOT cannot serve for an
/// instantiation it did not compile.
/// </summary>
internal interface IProductTime
{
    /// <summary>The <see cref="ProductTimestamp{TOuter, TInner}"/> of this Product type.</summary>
    object Traits { get; }

    /// <summary>Registers the Product codec of this type (and of nested Products), once.</summary>
    void EnsureCodec();
}
