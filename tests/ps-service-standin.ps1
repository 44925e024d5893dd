# SPDX-License-Identifier: Apache-2.0
# A stand-in for the Windows service cmdlets, for the dcos_install.ps1
# tests on Linux: dot-sourced by the script when DCOS_PS_SERVICE_STANDIN
# names this file, it redefines the five functions that touch the Service
# Control Manager.  Each call is appended to $env:DCOS_PS_SERVICE_LOG
# ("register NAME EXE ARGS", "start NAME", "stop NAME", "unregister
# NAME"); the registrations live as files in $env:DCOS_PS_SERVICE_DIR
# (outside the root), and a start really runs the service's executable
# (a .ps1 under this pwsh) as a background process with the service's
# environment.

function Write-StandinLog([string]$Line) {
	[System.IO.File]::AppendAllText($env:DCOS_PS_SERVICE_LOG, "$Line`n")
}

function Get-StandinPath([string]$Name) {
	return [System.IO.Path]::Combine($env:DCOS_PS_SERVICE_DIR, $Name)
}

function Register-DcosService($Svc) {
	Write-StandinLog ("register $($Svc.name) $($Svc.executable) " + ($Svc.arguments -join ' '))
	$def = @{ name = $Svc.name; executable = $Svc.executable; arguments = @($Svc.arguments); environment = $Svc.environment; status = 'stopped' }
	[System.IO.File]::WriteAllText((Get-StandinPath $Svc.name), ($def | ConvertTo-Json -Compress))
}

function Start-DcosService([string]$Name) {
	Write-StandinLog "start $Name"
	$p = Get-StandinPath $Name
	$def = [System.IO.File]::ReadAllText($p) | ConvertFrom-Json
	foreach ($q in $def.environment.PSObject.Properties) {
		[Environment]::SetEnvironmentVariable($q.Name, [string]$q.Value)
	}
	# Get-Process -Id $PID names dotnet when pwsh is a .NET global tool.
	$pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
	$argv = @('-NoProfile', '-File', $def.executable) + @($def.arguments)
	$log = [System.IO.Path]::Combine($env:DCOS_PS_SERVICE_DIR, "$Name.out")
	Start-Process -FilePath $pwsh -ArgumentList $argv -RedirectStandardOutput $log -RedirectStandardError "$log.err" | Out-Null
	$def.status = 'running'
	[System.IO.File]::WriteAllText($p, ($def | ConvertTo-Json -Compress))
}

function Stop-DcosService([string]$Name) {
	Write-StandinLog "stop $Name"
	$p = Get-StandinPath $Name
	if (-not [System.IO.File]::Exists($p)) { return }
	$def = [System.IO.File]::ReadAllText($p) | ConvertFrom-Json
	$def.status = 'stopped'
	[System.IO.File]::WriteAllText($p, ($def | ConvertTo-Json -Compress))
}

function Unregister-DcosService([string]$Name) {
	Write-StandinLog "unregister $Name"
	foreach ($x in @('', '.out', '.out.err')) {
		Remove-Item -LiteralPath ((Get-StandinPath $Name) + $x) -Force -ErrorAction SilentlyContinue
	}
}

function Get-DcosServiceStatus([string]$Name) {
	$p = Get-StandinPath $Name
	if (-not [System.IO.File]::Exists($p)) { return 'not registered' }
	return ([System.IO.File]::ReadAllText($p) | ConvertFrom-Json).status
}
