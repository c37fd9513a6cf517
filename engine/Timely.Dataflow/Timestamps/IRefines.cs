namespace Timely.Dataflow.Timestamps;

/// <summary>
/// How a nested scope's timestamp <typeparamref name="TInner"/> refines its parent's
/// <typeparamref name="TOuter"/> (timely's <c>Refines</c> trait): times enter by
/// <see cref="ToInner"/>, leave by <see cref="ToOuter"/>, and an inner path summary is seen from
/// outside as <see cref="Summarize"/>.
/// </summary>
public interface IRefines<TOuter, TInner>
{
    /// <summary>The inner time of an outer time entering the scope (the least refinement).</summary>
    TInner ToInner(TOuter time);

    /// <summary>The outer time of an inner time leaving the scope.</summary>
    TOuter ToOuter(TInner time);

    /// <summary>The outer summary of an inner path summary.</summary>
    TOuter Summarize(TInner summary);
}
