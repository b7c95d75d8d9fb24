"""The form's look. States are never shown by colour alone: each also has text or a mark."""

CRITICAL_RED = "#b00020"
ACCENT_BLUE = "#1f5fbf"

FORM_STYLE = f"""
#itemRow {{
    border: 1px solid #c8ccd2; border-radius: 4px; background: white;
}}
#itemRow[answered="true"] {{ background: #fafbfc; }}
#itemRow[current="true"] {{ border: 2px solid {ACCENT_BLUE}; background: #eef4ff; }}
#itemRow[critical="true"] {{ border: 2px solid {CRITICAL_RED}; background: #fdecee; }}
#itemRow[current="true"][critical="true"] {{ border: 3px solid {CRITICAL_RED}; }}
QLabel#prompt {{ font-size: 11pt; }}
QLabel#itemNumber {{ color: #5a6270; font-weight: bold; min-width: 22px; }}
QLabel#itemMeta {{ color: #5a6270; }}
QLabel#criticalBadge {{
    color: white; background: {CRITICAL_RED}; font-weight: bold;
    padding: 1px 6px; border-radius: 3px;
}}
QLabel#itemStatus[kind="critical"] {{ color: {CRITICAL_RED}; font-weight: bold; }}
QLabel#itemStatus[kind="missing"] {{ color: #8a4b00; font-weight: bold; }}
QLabel#guidance {{
    color: #333; background: #fff8dc; padding: 6px; border-left: 3px solid #d4a000;
}}
QPushButton#answerButton {{ padding: 4px 10px; min-height: 22px; }}
QPushButton#answerButton:checked {{
    background: {ACCENT_BLUE}; color: white;
    border: 1px solid #123f85; border-radius: 3px;
}}
QLabel#sectionTitle {{ font-size: 14pt; font-weight: bold; }}
QLabel#sectionScore {{ font-size: 11pt; font-weight: bold; color: #1d2a3a; }}
QLabel#sectionGuidance {{ color: #4a5260; }}
QLabel#sectionBadge {{
    color: #1d2a3a; background: #e4e9f2; padding: 2px 6px; border-radius: 3px;
    font-size: 8pt; font-weight: bold;
}}
#scoreBar {{ background: #1d2a3a; }}
#scoreBar QLabel {{ color: white; }}
QLabel#overallScore {{ font-size: 16pt; font-weight: bold; }}
QLabel#answeredCount {{ font-size: 11pt; }}
QLabel#rubricVersion {{ color: #c9d3e3; }}
QLabel#criticalBanner {{
    background: {CRITICAL_RED}; color: white; font-weight: bold; font-size: 11pt;
    padding: 6px; border: 2px solid white;
}}
QListWidget#sectionNavigator::item {{ padding: 4px 2px; }}
"""
