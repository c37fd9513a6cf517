using System.CommandLine;
using Timely.Examples;

namespace Timely.Bench.Commands;

/// <summary>
/// <c>timely hello</c>: the example of timely_communication's documentation. Each worker
/// sends <c>hello, j</c> to every worker <c>j</c> on channel 0 and prints what it receives.
/// </summary>
public static class HelloCommand
{
    public static Command Create()
    {
        var options = new CommunicationOptions();
        var command = new Command("hello", "timely_communication's example: every worker greets every worker; prints what each receives and each worker's result.");
        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            return Cli.Run(() => Hello.Run(config, Console.Out));
        });
        return command;
    }
}
