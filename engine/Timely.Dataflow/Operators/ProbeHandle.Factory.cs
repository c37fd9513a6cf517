namespace Timely.Dataflow.Operators;

/// <summary>
/// Factories for <see cref="ProbeHandle{T}"/>: <c>ProbeHandle.Create()</c> observes
/// <see cref="ulong"/> times, as Rust's <c>ProbeHandle::new()</c> leaves the type to inference.
/// </summary>
/// <remarks>
/// Usually not needed: <see cref="StreamOperators.Probe{T, TData}"/> makes the handle, and
/// <see cref="WorkerDataflowExtensions.Dataflow{TResult}"/> returns it from the dataflow. A handle
/// made first is for probing several streams (<see cref="StreamOperators.ProbeWith{T, TData}"/>).
/// </remarks>
public static class ProbeHandle
{
    /// <summary>A new handle for <see cref="ulong"/> times that observes no stream yet.</summary>
    public static ProbeHandle<ulong> Create() => new();

    /// <summary>A new handle for times <typeparamref name="T"/> that observes no stream yet.</summary>
    public static ProbeHandle<T> Create<T>() => new();
}
