namespace Timely.Communication.Logging;

/// <summary>
/// Which communication thread a logger is for (timely's <c>CommunicationSetup</c>): a network
/// send thread (<see cref="Sender"/>) or receive thread of process <see cref="Process"/>
/// talking to <see cref="Remote"/>, or a worker's allocator (<see cref="Remote"/> null).
/// </summary>
/// <param name="Sender">True for a send thread, false for a receive thread or a worker.</param>
/// <param name="Process">This process's index.</param>
/// <param name="Remote">The remote process's index; null for a worker's allocator.</param>
public readonly record struct CommunicationSetup(bool Sender, int Process, int? Remote);
