
namespace Timely.Communication.Logging;

/// <summary>Which case a <see cref="CommunicationEvent"/> is.</summary>
public enum CommunicationEventKind
{
    /// <summary>A message sent or received: <see cref="CommunicationEvent.Message"/>.</summary>
    Message,

    /// <summary>A thread started or stopped: <see cref="CommunicationEvent.State"/>.</summary>
    State,

    /// <summary>The logger's thread was set up: <see cref="CommunicationEvent.Setup"/>.</summary>
    Setup,
}
