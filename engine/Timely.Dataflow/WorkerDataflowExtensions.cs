namespace Timely.Dataflow;

/// <summary>
/// <c>worker.Dataflow(scope =&gt; ...)</c> without type arguments, as Rust's
/// <c>worker.dataflow(|scope| ...)</c> reads: the root timestamp is <see cref="ulong"/> (timely's
/// usual <c>u64</c>) and the result type comes from the lambda.
/// </summary>
/// <remarks>
/// C# cannot infer a timestamp type from an implicitly typed lambda's body, so these pick
/// <see cref="ulong"/>. For another timestamp, name it once in the lambda,
/// <c>worker.Dataflow((Scope&lt;uint&gt; scope) =&gt; ...)</c>, or call
/// <see cref="Worker.Dataflow{T, TResult}"/> with type arguments. These are extension methods
/// so that a call with type arguments always binds to <see cref="Worker"/>'s own methods: C#
/// looks here only when no instance method applies.
/// </remarks>
public static class WorkerDataflowExtensions
{
    /// <summary>Builds a dataflow with <see cref="ulong"/> timestamps.</summary>
    /// <param name="worker">The worker that runs the dataflow.</param>
    /// <param name="build">Builds the operators; runs once, on this worker's thread, before the dataflow is sealed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="worker"/> or <paramref name="build"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The graph is invalid (e.g. a cycle that does not advance time).</exception>
    public static void Dataflow(this Worker worker, Action<Scope<ulong>> build)
    {
        ArgumentNullException.ThrowIfNull(worker);
        worker.Dataflow<ulong>(build);
    }

    /// <summary>
    /// Builds a dataflow with <see cref="ulong"/> timestamps and returns what <paramref name="build"/>
    /// returns: typically a probe, an input handle, or both as a tuple,
    /// <c>var (input, probe) = worker.Dataflow(scope =&gt; { var (input, stream) = scope.NewInput&lt;string&gt;(); return (input, stream.Probe()); });</c>
    /// </summary>
    /// <param name="worker">The worker that runs the dataflow.</param>
    /// <param name="build">Builds the operators; runs once, on this worker's thread, before the dataflow is sealed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="worker"/> or <paramref name="build"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The graph is invalid (e.g. a cycle that does not advance time).</exception>
    public static TResult Dataflow<TResult>(this Worker worker, Func<Scope<ulong>, TResult> build)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return worker.Dataflow<ulong, TResult>(build);
    }
}
