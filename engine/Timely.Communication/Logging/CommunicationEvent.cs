
namespace Timely.Communication.Logging;

/// <summary>
/// A communication event (timely's <c>CommunicationEvent</c> enum): <see cref="CommunicationEventKind.Message"/>,
/// <see cref="CommunicationEventKind.State"/> or <see cref="CommunicationEventKind.Setup"/>.
/// A struct with one field per case rather than a class per case, so that logging a message
/// allocates nothing.
/// </summary>
public readonly struct CommunicationEvent : IEquatable<CommunicationEvent>
{
    private CommunicationEvent(CommunicationEventKind kind, MessageEvent message, StateEvent state, CommunicationSetup setup)
    {
        Kind = kind;
        Message = message;
        State = state;
        Setup = setup;
    }

    /// <summary>Which case this is.</summary>
    public CommunicationEventKind Kind { get; }

    /// <summary>The message, when <see cref="Kind"/> is <see cref="CommunicationEventKind.Message"/>.</summary>
    public MessageEvent Message { get; }

    /// <summary>The state change, when <see cref="Kind"/> is <see cref="CommunicationEventKind.State"/>.</summary>
    public StateEvent State { get; }

    /// <summary>The set-up, when <see cref="Kind"/> is <see cref="CommunicationEventKind.Setup"/>.</summary>
    public CommunicationSetup Setup { get; }

    /// <summary>A message event.</summary>
    public static CommunicationEvent Of(MessageEvent message) => new(CommunicationEventKind.Message, message, default, default);

    /// <summary>A state event.</summary>
    public static CommunicationEvent Of(StateEvent state) => new(CommunicationEventKind.State, default, state, default);

    /// <summary>A set-up event.</summary>
    public static CommunicationEvent Of(CommunicationSetup setup) => new(CommunicationEventKind.Setup, default, default, setup);

    /// <inheritdoc/>
    public bool Equals(CommunicationEvent other) => Kind == other.Kind && Kind switch
    {
        CommunicationEventKind.Message => Message == other.Message,
        CommunicationEventKind.State => State == other.State,
        _ => Setup == other.Setup,
    };

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CommunicationEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Kind switch
    {
        CommunicationEventKind.Message => HashCode.Combine(Kind, Message),
        CommunicationEventKind.State => HashCode.Combine(Kind, State),
        _ => HashCode.Combine(Kind, Setup),
    };

    /// <summary>Equality of two events.</summary>
    public static bool operator ==(CommunicationEvent left, CommunicationEvent right) => left.Equals(right);

    /// <summary>Inequality of two events.</summary>
    public static bool operator !=(CommunicationEvent left, CommunicationEvent right) => !left.Equals(right);

    /// <summary>Rust's <c>Debug</c> shape: <c>Message(MessageEvent { is_send: true, header: ... })</c>.</summary>
    public override string ToString() => Kind switch
    {
        CommunicationEventKind.Message => $"Message(MessageEvent {{ is_send: {Lower(Message.IsSend)}, header: {Message.Header} }})",
        CommunicationEventKind.State => $"State(StateEvent {{ send: {Lower(State.Send)}, process: {State.Process}, remote: {State.Remote}, start: {Lower(State.Start)} }})",
        _ => $"Setup(CommunicationSetup {{ sender: {Lower(Setup.Sender)}, process: {Setup.Process}, remote: {(Setup.Remote is { } r ? $"Some({r})" : "None")} }})",
    };

    private static string Lower(bool b) => b ? "true" : "false";
}
