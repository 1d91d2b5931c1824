; The Windows installer of Pollinations Studio (NSIS 3), made by scripts/build-windows.sh:
;   makensis -DVERSION=0.1.0 -DVERSION4=0.1.0.2 -DBUILD_DIR=... -DICON=... -DOUT=... installer.nsi
; Installs for every user under Program Files (64-bit), with a Start-menu entry, an optional
; desktop shortcut and an uninstaller in Apps & features. The uninstaller removes the program
; only: the library (%APPDATA%\pollinations-studio) and the key in the Credential Manager are
; the user's and stay.

; A 64-bit installer: the program is 64-bit only, and so Wine without its 32-bit half (what the
; tests use) runs it too.
Target amd64-unicode
SetCompressor /SOLID lzma
; 32 MB: the console twin is the window program with one byte changed, and a dictionary that
; reaches back over the whole first file stores it almost for nothing (17 MB → 9 MB).
SetCompressorDictSize 32
ManifestDPIAware true

!include MUI2.nsh
!include LogicLib.nsh

!ifndef VERSION
  !error "VERSION is required (-DVERSION=x.y.z)"
!endif

!define APP "Pollinations Studio"
!define WINDOW_EXE "Pollinations Studio.exe"
!define CONSOLE_EXE "pollinations-studio.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\PollinationsStudio"
!define APP_PATHS "Software\Microsoft\Windows\CurrentVersion\App Paths"

Name "${APP}"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION4}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "CompanyName" "Pollinations Studio"
VIAddVersionKey "LegalCopyright" "Pollinations Studio"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${WINDOW_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!define MUI_UNCONFIRMPAGE_TEXT_TOP "${APP} will be removed. Your library (pictures, sounds, chats in %APPDATA%\pollinations-studio) and your saved key are kept."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "${APP}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${BUILD_DIR}/${WINDOW_EXE}"
  File "${BUILD_DIR}/${CONSOLE_EXE}"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APP}"
  CreateShortcut "$SMPROGRAMS\${APP}\${APP}.lnk" "$INSTDIR\${WINDOW_EXE}" "" "$INSTDIR\${WINDOW_EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APP}\Uninstall ${APP}.lnk" "$INSTDIR\Uninstall.exe"

  ; Run (Win+R) and `start` find the command line by name.
  WriteRegStr HKLM "${APP_PATHS}\${CONSOLE_EXE}" "" "$INSTDIR\${CONSOLE_EXE}"
  WriteRegStr HKLM "${APP_PATHS}\${CONSOLE_EXE}" "Path" "$INSTDIR"

  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "Pollinations Studio"
  WriteRegStr HKLM "${UNINST_KEY}" "URLInfoAbout" "https://pollinations.ai"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${WINDOW_EXE},0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" ${SIZE_KB}
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${WINDOW_EXE}" "" "$INSTDIR\${WINDOW_EXE}" 0
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\${WINDOW_EXE}"
  Delete "$INSTDIR\${CONSOLE_EXE}"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}\${APP}.lnk"
  Delete "$SMPROGRAMS\${APP}\Uninstall ${APP}.lnk"
  RMDir "$SMPROGRAMS\${APP}"
  Delete "$DESKTOP\${APP}.lnk"
  DeleteRegKey HKLM "${APP_PATHS}\${CONSOLE_EXE}"
  DeleteRegKey HKLM "${UNINST_KEY}"
  ; The library under %APPDATA% and the key in the Credential Manager are left alone.
SectionEnd
