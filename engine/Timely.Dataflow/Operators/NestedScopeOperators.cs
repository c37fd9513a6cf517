using Timely.Dataflow.Scopes;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Nested scopes (timely's <c>Scope::scoped</c>, <c>iterative</c>, <c>region</c>) and the streams
/// that cross into and out of them (<c>Enter</c>, <c>Leave</c>), and loop variables inside.
/// </summary>
/// <remarks>
/// A nested scope is one operator of the scope around it: its inputs are the streams entered,
/// its outputs the streams that leave, and its internal summaries are derived from its graph when
/// it is built. Inside an iterative scope times are <see cref="Product{TOuter, TInner}"/>: a
/// record entering at <c>t</c> is at <c>(t, 0)</c>, and one leaving at <c>(t, i)</c> is at
/// <c>t</c>. A loop inside must advance some coordinate, or building the dataflow fails.
/// </remarks>
public static class NestedScopeOperators
{
    /// <summary>
    /// Builds an iterative scope whose times are <c>Product&lt;TOuter, TInner&gt;</c> (timely's
    /// <c>iterative</c>) and returns what <paramref name="build"/> returns (typically streams that left).
    /// </summary>
    public static TResult Iterative<TOuter, TInner, TResult>(this Scope<TOuter> scope, Func<Scope<Product<TOuter, TInner>>, TResult> build) =>
        Scoped("Iterative", scope, ProductRefines<TOuter, TInner>.Instance, build);

    /// <summary>Builds an iterative scope whose times are <c>Product&lt;TOuter, TInner&gt;</c>.</summary>
    public static void Iterative<TOuter, TInner>(this Scope<TOuter> scope, Action<Scope<Product<TOuter, TInner>>> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        Scoped("Iterative", scope, ProductRefines<TOuter, TInner>.Instance, Run(build));
    }

    /// <summary>Builds a named nested scope with Product times (timely's <c>scoped</c> with a Product).</summary>
    public static TResult Scoped<TOuter, TInner, TResult>(this Scope<TOuter> scope, string name, Func<Scope<Product<TOuter, TInner>>, TResult> build) =>
        Scoped(name, scope, ProductRefines<TOuter, TInner>.Instance, build);

    /// <summary>
    /// Builds a named nested scope whose timestamp <typeparamref name="TInner"/> refines the
    /// parent's as <paramref name="refines"/> says (timely's <c>scoped</c>).
    /// </summary>
    public static TResult Scoped<TOuter, TInner, TResult>(this Scope<TOuter> scope, string name, IRefines<TOuter, TInner> refines, Func<Scope<TInner>, TResult> build) =>
        Scoped(name, scope, refines, build);

    /// <summary>
    /// Builds a region (timely's <c>region</c>): a nested scope with the parent's timestamps, which
    /// groups operators without changing times. Streams leave it with <see cref="Leave{TOuter, TInner, TData}(Stream{TInner, TData}, Scope{TOuter})"/>.
    /// </summary>
    public static TResult Region<T, TResult>(this Scope<T> scope, Func<Scope<T>, TResult> build) =>
        Scoped("Region", scope, IdentityRefines<T>.Instance, build);

    /// <summary>Builds a region: a nested scope with the parent's timestamps.</summary>
    public static void Region<T>(this Scope<T> scope, Action<Scope<T>> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        Scoped("Region", scope, IdentityRefines<T>.Instance, Run(build));
    }

    /// <summary>Brings a stream of the scope around <paramref name="inner"/> into it (timely's <c>enter</c>).</summary>
    public static Stream<TInner, TData> Enter<TOuter, TInner, TData>(this Stream<TOuter, TData> stream, Scope<TInner> inner)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(inner);
        if (inner.Subgraph is not Subgraph<TOuter, TInner> subgraph)
        {
            throw new InvalidOperationException("a stream enters only a scope nested directly in its own");
        }

        return subgraph.Enter(stream);
    }

    /// <summary>Takes a stream of an iterative scope out to the scope around it (timely's <c>leave</c>): <c>(t, i)</c> becomes <c>t</c>.</summary>
    public static Stream<TOuter, TData> Leave<TOuter, TInner, TData>(this Stream<Product<TOuter, TInner>, TData> stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.Scope.Subgraph is not Subgraph<TOuter, Product<TOuter, TInner>> subgraph)
        {
            throw new InvalidOperationException(
                "Leave(): the stream's scope is not an iterative scope nested in a scope with the outer time; use Leave(outerScope) for a region or another refinement");
        }

        return subgraph.Leave(stream);
    }

    /// <summary>Takes a stream of a nested scope out to <paramref name="outer"/>, the scope around it.</summary>
    public static Stream<TOuter, TData> Leave<TOuter, TInner, TData>(this Stream<TInner, TData> stream, Scope<TOuter> outer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(outer);
        if (stream.Scope.Subgraph is not Subgraph<TOuter, TInner> subgraph || !ReferenceEquals(subgraph.Parent, outer))
        {
            throw new InvalidOperationException("a stream leaves only to the scope directly around its own");
        }

        return subgraph.Leave(stream);
    }

    /// <summary>
    /// A loop variable of an iterative scope (timely's <c>loop_variable</c>): what is connected to
    /// the handle comes back at <c>(t, i + summary)</c>. A summary of 0 is refused when the dataflow is built.
    /// </summary>
    public static (FeedbackHandle<Product<TOuter, TInner>, TData> Handle, Stream<Product<TOuter, TInner>, TData> Stream) LoopVariable<TOuter, TInner, TData>(
        this Scope<Product<TOuter, TInner>> scope, TInner summary) =>
        scope.Feedback<Product<TOuter, TInner>, TData>(new Product<TOuter, TInner>(TimestampTraits<TOuter>.Default.IdentitySummary, summary));

    private static TResult Scoped<TOuter, TInner, TResult>(string name, Scope<TOuter> scope, IRefines<TOuter, TInner> refines, Func<Scope<TInner>, TResult> build)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(refines);
        ArgumentNullException.ThrowIfNull(build);
        var subgraph = new Subgraph<TOuter, TInner>(scope, name, refines);
        var result = build(subgraph.Inner);
        subgraph.Seal();
        return result;
    }

    private static Func<TScope, bool> Run<TScope>(Action<TScope> build) => inner =>
    {
        build(inner);
        return true;
    };
}
