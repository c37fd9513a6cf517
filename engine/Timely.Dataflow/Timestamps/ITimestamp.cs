namespace Timely.Dataflow.Timestamps;

/// <summary>
/// The non-generic side of <see cref="ITimestamp{TSelf}"/>: what lets
/// <see cref="TimestampTraits{T}"/> find a timestamp type's traits from an unconstrained <c>T</c>
/// (by testing <c>default(T)</c> against this interface) without reflection or
/// <c>MakeGenericType</c>, which Native AOT cannot serve. Implement <see cref="ITimestamp{TSelf}"/>,
/// not this: its one member is internal and supplied there.
/// </summary>
public interface ITimestamp
{
    /// <summary>The <see cref="ITimestampTraits{T}"/> of the implementing type.</summary>
    internal object Traits { get; }
}
