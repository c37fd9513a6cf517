namespace Timely.Communication;

/// <summary>
/// One worker's outcome: its return value, or the exception that ended it (Rust's
/// <c>Result&lt;T, String&gt;</c> from <c>WorkerGuards::join</c>). Prints as <c>Ok(value)</c> or
/// <c>Err(message)</c>, like the seed's <c>{:?}</c>.
/// </summary>
public readonly record struct WorkerResult<T>
{
    private WorkerResult(int worker, T? value, Exception? error)
    {
        Worker = worker;
        Value = value;
        Error = error;
    }

    /// <summary>Global index of the worker.</summary>
    public int Worker { get; }

    /// <summary>The worker's return value (default when it failed).</summary>
    public T? Value { get; }

    /// <summary>The exception that ended the worker, or null.</summary>
    public Exception? Error { get; }

    /// <summary>Whether the worker returned normally.</summary>
    public bool IsOk => Error is null;

    /// <summary>The value, or the worker's exception rethrown (wrapped, with the worker named).</summary>
    public T Unwrap() => Error is null
        ? Value!
        : throw new InvalidOperationException($"worker {Worker} failed: {Error.Message}", Error);

    internal static WorkerResult<T> Ok(int worker, T value) => new(worker, value, null);

    internal static WorkerResult<T> Err(int worker, Exception error) => new(worker, default, error);

    /// <summary>Rust's <c>{:?}</c> of a <c>Result</c>: <c>Ok(value)</c>, or <c>Err("ExceptionType: message")</c>, as timely's examples print a worker's result.</summary>
    public override string ToString() => Error is null
        ? $"Ok({Value})"
        : $"Err(\"{Error.GetType().Name}: {Error.Message}\")";
}
