using System.Diagnostics.CodeAnalysis;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Either a value (<see cref="Ok"/>) or an error (<see cref="Err"/>): Rust's <c>Result</c>, as
/// <see cref="StandardOperators.OkErr"/> takes it. A struct, so returning one per record
/// allocates nothing.
/// </summary>
public readonly struct Result<TOk, TErr>
{
    private readonly TOk _value;
    private readonly TErr _error;

    private Result(bool isOk, TOk value, TErr error)
    {
        IsOk = isOk;
        _value = value;
        _error = error;
    }

    /// <summary>Whether this holds a value (true) or an error (false).</summary>
    public bool IsOk { get; }

    /// <summary>The value; throws when this holds an error.</summary>
    public TOk Value => IsOk ? _value : ThrowWrongCase<TOk>("an error");

    /// <summary>The error; throws when this holds a value.</summary>
    public TErr Error => !IsOk ? _error : ThrowWrongCase<TErr>("a value");

    /// <summary>A result holding <paramref name="value"/>.</summary>
    public static Result<TOk, TErr> Ok(TOk value) => new(true, value, default!);

    /// <summary>A result holding <paramref name="error"/>.</summary>
    public static Result<TOk, TErr> Err(TErr error) => new(false, default!, error);

    /// <inheritdoc />
    public override string ToString() => IsOk ? $"Ok({_value})" : $"Err({_error})";

    [DoesNotReturn]
    private static TValue ThrowWrongCase<TValue>(string holds) => throw new InvalidOperationException($"the result holds {holds}");
}
