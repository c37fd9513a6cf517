using System.Globalization;
using System.Text;

namespace Timely.Dataflow.Logging;

/// <summary>
/// An event of a timely worker (timely's <c>TimelyEvent</c>), logged to the worker's
/// <c>"timely"</c> logger (<see cref="Worker.Log"/>). One struct for every case, each case made by
/// its factory and read through the properties its factory names, so that the frequent events
/// (schedules, messages, progress, parks) are logged without allocating.
/// </summary>
public readonly struct TimelyEvent : IEquatable<TimelyEvent>
{
    private readonly int[]? _address;
    private readonly long _a;
    private readonly long _b;
    private readonly long _c;
    private readonly long _d;

    private TimelyEvent(TimelyEventKind kind, int id, bool flag, long a = 0, long b = 0, long c = 0, long d = 0, int[]? address = null, string? name = null)
    {
        Kind = kind;
        Id = id;
        Flag = flag;
        _a = a;
        _b = b;
        _c = c;
        _d = d;
        _address = address;
        Name = name;
    }

    /// <summary>Which case this is.</summary>
    public TimelyEventKind Kind { get; }

    /// <summary>Operator id (Operates, PushProgress, Schedule, Shutdown) or channel id (Channels, Messages, Progress).</summary>
    public int Id { get; }

    /// <summary>Messages and Progress: a send (else a receive). Schedule: a start (else a stop). Park: a park (else an unpark).</summary>
    public bool Flag { get; }

    /// <summary>Operates: the operator's address (dataflow, then index); Channels: the scope's address.</summary>
    public IReadOnlyList<int> Address => _address ?? [];

    /// <summary>Operates: the operator's name; Channels: the record type; Text: the text.</summary>
    public string? Name { get; }

    /// <summary>Channels: the source operator's index in its scope. Messages, Progress: the sending worker.</summary>
    public int Source => (int)_a;

    /// <summary>Channels: the source output port.</summary>
    public int SourcePort => (int)_b;

    /// <summary>Channels: the target operator's index. Messages: the receiving worker.</summary>
    public int Target => (int)_c;

    /// <summary>Channels: the target input port.</summary>
    public int TargetPort => (int)_d;

    /// <summary>Messages, Progress: the message's sequence number (per channel, sender and receiver for messages; per sender for progress).</summary>
    public long SeqNo => _b;

    /// <summary>Messages: records in the message. Progress: updates in the batch.</summary>
    public long Count => _d;

    /// <summary>Park: the timeout the worker parked with; null for none (or for an unpark).</summary>
    public TimeSpan? ParkTimeout => Kind == TimelyEventKind.Park && Flag && _a >= 0 ? TimeSpan.FromTicks(_a) : null;

    /// <summary>Operator <paramref name="id"/> at <paramref name="address"/> named <paramref name="name"/> was created.</summary>
    public static TimelyEvent Operates(int id, int[] address, string name) => new(TimelyEventKind.Operates, id, false, address: address, name: name);

    /// <summary>Channel <paramref name="id"/> in the scope at <paramref name="scopeAddress"/> from output <paramref name="sourcePort"/> of operator <paramref name="source"/> to input <paramref name="targetPort"/> of <paramref name="target"/>.</summary>
    public static TimelyEvent Channels(int id, int[] scopeAddress, int source, int sourcePort, int target, int targetPort, string type) =>
        new(TimelyEventKind.Channels, id, false, source, sourcePort, target, targetPort, scopeAddress, type);

    /// <summary>A frontier change was pushed to operator <paramref name="id"/>.</summary>
    public static TimelyEvent PushProgress(int id) => new(TimelyEventKind.PushProgress, id, false);

    /// <summary>A message of <paramref name="records"/> records on channel <paramref name="channel"/>.</summary>
    public static TimelyEvent Messages(bool isSend, int channel, int source, int target, long seqNo, long records) =>
        new(TimelyEventKind.Messages, channel, isSend, source, seqNo, target, records);

    /// <summary>Operator <paramref name="id"/> starts (<paramref name="start"/>) or stops running.</summary>
    public static TimelyEvent Schedule(int id, bool start) => new(TimelyEventKind.Schedule, id, start);

    /// <summary>Operator <paramref name="id"/> shut down.</summary>
    public static TimelyEvent Shutdown(int id) => new(TimelyEventKind.Shutdown, id, false);

    /// <summary>The worker parks, for at most <paramref name="timeout"/> (null: until woken).</summary>
    public static TimelyEvent Park(TimeSpan? timeout) => new(TimelyEventKind.Park, 0, true, timeout is { } t ? t.Ticks : -1);

    /// <summary>The worker unparks.</summary>
    public static TimelyEvent Unpark() => new(TimelyEventKind.Park, 0, false);

    /// <summary>Free text.</summary>
    public static TimelyEvent Text(string text) => new(TimelyEventKind.Text, 0, false, name: text);

    /// <summary>A progress batch of <paramref name="updates"/> updates sent (or received) on progress channel <paramref name="channel"/>.</summary>
    public static TimelyEvent Progress(bool isSend, int source, int channel, long seqNo, long updates) =>
        new(TimelyEventKind.Progress, channel, isSend, source, seqNo, 0, updates);

    /// <inheritdoc/>
    public bool Equals(TimelyEvent other) =>
        Kind == other.Kind && Id == other.Id && Flag == other.Flag && _a == other._a && _b == other._b && _c == other._c && _d == other._d &&
        string.Equals(Name, other.Name, StringComparison.Ordinal) && Address.SequenceEqual(other.Address);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimelyEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Id, Flag, _a, _b, _c, _d, Name);

    /// <summary>Equality of two events.</summary>
    public static bool operator ==(TimelyEvent left, TimelyEvent right) => left.Equals(right);

    /// <summary>Inequality of two events.</summary>
    public static bool operator !=(TimelyEvent left, TimelyEvent right) => !left.Equals(right);

    /// <summary>Rust's <c>Debug</c> shape, e.g. <c>Schedule(ScheduleEvent { id: 3, start_stop: Start })</c>.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        return Kind switch
        {
            TimelyEventKind.Operates => string.Create(c, $"Operates(OperatesEvent {{ id: {Id}, addr: {List(Address)}, name: \"{Name}\" }})"),
            TimelyEventKind.Channels => string.Create(c, $"Channels(ChannelsEvent {{ id: {Id}, scope_addr: {List(Address)}, source: ({Source}, {SourcePort}), target: ({Target}, {TargetPort}), typ: \"{Name}\" }})"),
            TimelyEventKind.PushProgress => string.Create(c, $"PushProgress(PushProgressEvent {{ op_id: {Id} }})"),
            TimelyEventKind.Messages => string.Create(c, $"Messages(MessagesEvent {{ is_send: {Lower(Flag)}, channel: {Id}, source: {Source}, target: {Target}, seq_no: {SeqNo}, record_count: {Count} }})"),
            TimelyEventKind.Schedule => string.Create(c, $"Schedule(ScheduleEvent {{ id: {Id}, start_stop: {(Flag ? "Start" : "Stop")} }})"),
            TimelyEventKind.Shutdown => string.Create(c, $"Shutdown(ShutdownEvent {{ id: {Id} }})"),
            TimelyEventKind.Park => Flag ? (ParkTimeout is { } t ? string.Create(c, $"Park(Park(Some({t.TotalMilliseconds}ms)))") : "Park(Park(None))") : "Park(Unpark)",
            TimelyEventKind.Text => $"Text(\"{Name}\")",
            _ => string.Create(c, $"Progress(TimelyProgressEvent {{ is_send: {Lower(Flag)}, source: {Source}, channel: {Id}, seq_no: {SeqNo}, updates: {Count} }})"),
        };
    }

    private static string Lower(bool b) => b ? "true" : "false";

    private static string List(IReadOnlyList<int> items)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < items.Count; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(items[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}
